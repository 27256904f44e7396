package verify

import (
	"encoding/json"
	"fmt"
	"io"
)

// Write prints rs to w and returns how many failed. As text it prints one line per result,
// "PASS  <invariant>  <object>" or "FAIL  <invariant>  <object> — <detail>" (a pass with a note
// carries it the same way); as JSON it prints one array of Result objects.
func Write(w io.Writer, rs []Result, asJSON bool) (failed int, err error) {
	for _, r := range rs {
		if !r.Pass {
			failed++
		}
	}
	if asJSON {
		if rs == nil {
			rs = []Result{}
		}
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		if err := enc.Encode(rs); err != nil {
			return failed, fmt.Errorf("verify: write: %w", err)
		}
		return failed, nil
	}
	for _, r := range rs {
		status := "PASS"
		if !r.Pass {
			status = "FAIL"
		}
		line := status + "  " + r.Invariant + "  " + r.Object
		if r.Detail != "" {
			line += " — " + r.Detail
		}
		if _, err := fmt.Fprintln(w, line); err != nil {
			return failed, fmt.Errorf("verify: write: %w", err)
		}
	}
	return failed, nil
}
