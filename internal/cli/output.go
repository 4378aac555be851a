package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"sort"

	"github.com/zvfs/zvfs/supervisor"
)

// printStats prints the counters of a run, most frequent first.
func printStats(w io.Writer, prefix string, st supervisor.Stats) {
	type row struct {
		name string
		n    uint64
	}
	rows := make([]row, 0, len(st.Syscalls))
	for k, v := range st.Syscalls {
		rows = append(rows, row{k, v})
	}
	sort.Slice(rows, func(i, j int) bool {
		if rows[i].n != rows[j].n {
			return rows[i].n > rows[j].n
		}
		return rows[i].name < rows[j].name
	})
	fmt.Fprintf(w, "%s: %d system calls in %d processes\n", prefix, st.Total, st.Processes)
	for _, r := range rows {
		fmt.Fprintf(w, "%12d  %s\n", r.n, r.name)
	}
	calls := func(m map[string]uint64, head string) {
		if len(m) == 0 {
			return
		}
		rows = rows[:0]
		var total uint64
		for k, v := range m {
			rows = append(rows, row{k, v})
			total += v
		}
		sort.Slice(rows, func(i, j int) bool {
			if rows[i].n != rows[j].n {
				return rows[i].n > rows[j].n
			}
			return rows[i].name < rows[j].name
		})
		fmt.Fprintf(w, "%s: %d %s:\n", prefix, total, head)
		for _, r := range rows {
			fmt.Fprintf(w, "%12d  %s\n", r.n, r.name)
		}
	}
	calls(st.FileCalls, "of them on virtual paths and descriptors, answered by zvfs")
	calls(st.NetCalls, "file calls made outside the stub (static programs, JIT code, sites left unpatched), caught by the seccomp net")
}

// writeJSON writes v to path as indented JSON, through a temporary file.
func writeJSON(path string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, append(b, '\n'), 0o644); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}
