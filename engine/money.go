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

// ParseYuan reads an amount in yuan as typed on a form ("", "1200", "1,200.50").
func ParseYuan(s string) (int64, error) {
	s = strings.ReplaceAll(strings.TrimSpace(s), ",", "")
	if s == "" {
		return 0, nil
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f < 0 || math.IsInf(f, 0) || math.IsNaN(f) || f > MaxFen/100 {
		return 0, Invalid("amount", "金额“%s”无效，请填写0至100亿之间的数字（单位：元）。", s)
	}
	return FenFromYuan(f), nil
}

func itoa(i int) string { return strconv.Itoa(i) }
