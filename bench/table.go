// table.go: the results as a table for the terminal, in Markdown pipe
// syntax so that it can be pasted as is: one row per workload, one column
// per contender, each cell the median and its ratio to native.

package bench

import (
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// WriteTable writes the table, then the absent contenders and the
// failures with their reasons.
func WriteTable(w io.Writer, r *Results) error {
	rows := tableRows(r)
	widths := columnWidths(rows)
	var b strings.Builder
	for i, row := range rows {
		writeTableRow(&b, row, widths)
		if i == 0 {
			sep := make([]string, len(row))
			for k := range sep {
				sep[k] = strings.Repeat("-", widths[k])
			}
			writeTableRow(&b, sep, widths)
		}
	}
	b.WriteString(notes(r))
	_, err := io.WriteString(w, b.String())
	return err
}

// tableRows is the header and one row per workload.
func tableRows(r *Results) [][]string {
	head := []string{"workload", "unit"}
	for _, c := range r.Contenders {
		head = append(head, c.Name)
	}
	rows := [][]string{head}
	for _, w := range r.Workloads {
		row := []string{w.Name, w.Unit}
		for _, c := range r.Contenders {
			row = append(row, cellText(c.Name, w.Results[c.Name]))
		}
		rows = append(rows, row)
	}
	return rows
}

// cellText is "median (ratio)", native's median alone, or the status.
func cellText(contender string, c *Cell) string {
	switch {
	case c == nil:
		return StatusNA
	case c.Status != StatusOK:
		return c.Status
	case contender == Native || c.Ratio == 0:
		return formatNum(c.Median)
	}
	return formatNum(c.Median) + " (" + formatRatio(c.Ratio) + ")"
}

func columnWidths(rows [][]string) []int {
	widths := make([]int, len(rows[0]))
	for _, row := range rows {
		for k, s := range row {
			widths[k] = max(widths[k], utf8.RuneCountInString(s))
		}
	}
	return widths
}

func writeTableRow(b *strings.Builder, row []string, widths []int) {
	b.WriteString("|")
	for k, s := range row {
		pad := widths[k] - utf8.RuneCountInString(s)
		if k < 2 {
			fmt.Fprintf(b, " %s%s |", s, strings.Repeat(" ", pad))
		} else {
			fmt.Fprintf(b, " %s%s |", strings.Repeat(" ", pad), s)
		}
	}
	b.WriteString("\n")
}

// notes lists the absent contenders and the failed cells, with reasons.
func notes(r *Results) string {
	var b strings.Builder
	for _, c := range r.Contenders {
		if c.Status == StatusAbsent {
			fmt.Fprintf(&b, "absent: %s: %s\n", c.Name, c.Reason)
		}
	}
	for _, w := range r.Workloads {
		for _, c := range r.Contenders {
			if cl := w.Results[c.Name]; cl != nil && cl.Status == StatusFailed {
				fmt.Fprintf(&b, "failed: %s under %s: %s\n", w.Name, c.Name, cl.Reason)
			}
		}
	}
	return b.String()
}
