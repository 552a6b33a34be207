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

// FenFromYuan converts yuan, as a number, to fen, rounding to the nearest fen.
func FenFromYuan(yuan float64) int64 { return int64(math.Round(yuan * 100)) }

// ParseYuan reads an amount in yuan as typed on a form ("", "1200", "1,200.50").
func ParseYuan(s string) (int64, error) {
	s = strings.ReplaceAll(strings.TrimSpace(s), ",", "")
	if s == "" {
		return 0, nil
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f < 0 || math.IsInf(f, 0) || math.IsNaN(f) || f > 1e12 {
		return 0, Invalid("amount", "金额“%s”无效，请填写不小于0的数字（单位：元）。", s)
	}
	return FenFromYuan(f), nil
}

func itoa(i int) string { return strconv.Itoa(i) }
