//go:build pprof

package main

// This file exists only in builds with `-tags pprof`, which the load harness makes for profiling
// (`make bench-profile`). With TENANTRY_PPROF_ADDR set, such a build serves net/http/pprof on that
// address, a listener of its own: the API's mux never carries the profiling routes, and a
// production build (no tag) does not contain them at all.

import (
	"log/slog"
	"net/http"
	_ "net/http/pprof" // registers /debug/pprof/ on http.DefaultServeMux, which only this listener serves
	"os"
)

func init() {
	addr := os.Getenv("TENANTRY_PPROF_ADDR")
	if addr == "" {
		return
	}
	go func() {
		if err := http.ListenAndServe(addr, nil); err != nil {
			slog.Error("pprof listener", "addr", addr, "err", err)
		}
	}()
}
