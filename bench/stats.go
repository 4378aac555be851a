// stats.go: medians, ratios and how figures are printed.

package bench

import (
	"fmt"
	"math"
	"sort"
)

// median of xs (the mean of the middle two for an even count); 0 for none.
func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	m := len(s) / 2
	if len(s)%2 == 1 {
		return s[m]
	}
	return (s[m-1] + s[m]) / 2
}

// ratio is v / base, or 0 when either is not a positive figure.
func ratio(v, base float64) float64 {
	if !(v > 0) || !(base > 0) || math.IsInf(v, 0) || math.IsInf(base, 0) {
		return 0
	}
	return v / base
}

// pairedRatio is the median of xs[i] / base[i]: sample i of every
// contender comes from the same round (each contender once, in turn), so
// the machine getting faster or slower between rounds cancels out. With
// unequal counts it is the ratio of the medians.
func pairedRatio(xs, base []float64) float64 {
	if len(xs) != len(base) || len(xs) == 0 {
		return ratio(median(xs), median(base))
	}
	rs := make([]float64, len(xs))
	for i := range xs {
		if rs[i] = ratio(xs[i], base[i]); rs[i] == 0 {
			return 0
		}
	}
	return median(rs)
}

// formatNum prints a figure with three significant digits, no exponent.
func formatNum(v float64) string {
	switch a := math.Abs(v); {
	case a >= 100:
		return fmt.Sprintf("%.0f", v)
	case a >= 10:
		return fmt.Sprintf("%.1f", v)
	case a >= 1:
		return fmt.Sprintf("%.2f", v)
	}
	return fmt.Sprintf("%.3f", v)
}

// formatRatio prints a ratio as "1.15×".
func formatRatio(r float64) string {
	if r >= 100 {
		return fmt.Sprintf("%.0f×", r)
	}
	if r >= 10 {
		return fmt.Sprintf("%.1f×", r)
	}
	return fmt.Sprintf("%.2f×", r)
}
