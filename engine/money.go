package engine

import (
	"math"
	"strconv"
	"strings"
)

// Yuan formats an amount in fen as yuan, without trailing zeros: 1234500 is
// "12345", 1234550 is "12345.5".
func Yuan(fen int64) string {
	s := strconv.FormatFloat(float64(fen)/100, 'f', 2, 64)
	s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	return s
}

// MaxFen is the largest amount the engine takes, 100亿 yuan in fen. Sums of
// millions of such amounts stay exact in an int64.
const MaxFen = 1e12

// FenFromYuan converts yuan, as a number, to fen, rounding to the nearest fen.
// An amount that is not a number, negative or above MaxFen comes out as -1
// or MaxFen+1, which the checks of a case and an agreement refuse, rather
// than as whatever an overflowing conversion makes of it.
func FenFromYuan(yuan float64) int64 {
	switch {
	case math.IsNaN(yuan) || yuan < 0:
		return -1
	case yuan > MaxFen/100:
		return MaxFen + 1
	}
	return int64(math.Round(yuan * 100))
}

// FenInRange reports whether an amount in fen is from 0 to 100亿 yuan.
func FenInRange(fen int64) bool { return fen >= 0 && fen <= MaxFen }

// ParseYuan reads an amount in yuan the way a person types it: "1200",
// "1,200.50", "5,000元", "5万", "1.5万元", "¥800", full-width digits too.
func ParseYuan(s string) (int64, error) {
	typed := strings.TrimSpace(s)
	s = strings.NewReplacer(",", "", "，", "", " ", "", "\u3000", "", "¥", "", "￥", "", "元", "", "人民币", "").Replace(halfWidth(typed))
	if s == "" {
		return 0, nil
	}
	scale := 1.0
	if rest, ok := strings.CutSuffix(s, "万"); ok {
		s, scale = rest, 1e4
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || strings.ContainsAny(s, "eEnNiI") || f < 0 || math.IsInf(f, 0) || math.IsNaN(f) || f*scale > MaxFen/100 {
		return 0, Invalid("amount", "金额“%s”无效，请填写0至100亿之间的数字（单位：元，可写“5万”“5,000元”）。", typed)
	}
	return FenFromYuan(f * scale), nil
}

// halfWidth turns the full-width digits, letters and signs a Chinese input
// method types (１３９, Ｘ, ．) into their plain forms.
func halfWidth(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= '！' && r <= '～' {
			return r - '！' + '!'
		}
		return r
	}, s)
}

// CleanPhone writes a phone number as typed ("139 0573 0553",
// "139-0573-1299", "+86 139…", "0573 8300 1234") the way it is kept: a
// mobile as its 11 digits, a landline as area code, dash, number. What it
// cannot read it returns trimmed, for the check to refuse.
func CleanPhone(s string) string {
	s = strings.TrimSpace(s)
	digits := strings.Map(func(r rune) rune {
		switch r {
		case ' ', '-', '\u3000', '(', ')', '（', '）', '—':
			return -1
		}
		return r
	}, halfWidth(s))
	digits = strings.TrimPrefix(digits, "+")
	if len(digits) == 13 && strings.HasPrefix(digits, "861") {
		digits = digits[2:]
	}
	for _, r := range digits {
		if r < '0' || r > '9' {
			return s
		}
	}
	switch {
	case len(digits) == 11 && digits[0] == '1':
		return digits
	case len(digits) >= 10 && len(digits) <= 12 && digits[0] == '0':
		// 010 and 02x are the three-digit area codes; the rest have four.
		area := 4
		if digits[1] == '1' || digits[1] == '2' {
			area = 3
		}
		return digits[:area] + "-" + digits[area:]
	}
	return s
}

// CleanIDNumber writes an ID number as typed, with spaces or in
// full-width characters, as its 18 characters, the check letter upper case.
func CleanIDNumber(s string) string {
	return strings.ToUpper(strings.Map(func(r rune) rune {
		if r == ' ' || r == '\u3000' || r == '-' {
			return -1
		}
		return r
	}, halfWidth(strings.TrimSpace(s))))
}

func itoa(i int) string { return strconv.Itoa(i) }
