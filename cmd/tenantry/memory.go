package main

import "runtime/debug"

// defaultMemoryLimit is the Go runtime's soft memory limit when GOMEMLIMIT does not set one. The
// heap is otherwise allowed to grow to twice what is live (GOGC=100) before it is collected, and a
// burst of sign-ins leaves 19 MiB of Argon2id memory as garbage per hash: 100 concurrent sign-ins
// peaked at 140 MB of resident memory. Near the limit the collector runs sooner (it never takes
// more than about half the CPU for it) and returns freed memory to the system; the limit is soft,
// so a service that needs more gets more (docs/performance.md, "Bounded memory for sign-in").
// 48 MiB is the two hashing slots' 38 MiB and the idle heap; at 64 MiB the garbage of one more hash
// fitted under it and the burst peaked at 89–104 MiB of resident memory, at 48 MiB at 84–90.
const defaultMemoryLimit = 48 << 20

// limitMemory sets the soft memory limit unless the environment sets GOMEMLIMIT (which the runtime
// has applied already). Only main calls it: tests that call run share their process.
func limitMemory(getenv func(string) string) {
	if getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(defaultMemoryLimit)
	}
}
