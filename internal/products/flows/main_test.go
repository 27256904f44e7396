package flows_test

import (
	"os"
	"testing"

	"github.com/tenantry/tenantry/internal/testkit/testenv"
)

func TestMain(m *testing.M) {
	if os.Getenv(crashChildEnv) != "" { // the PSA worker that TestPSACrash kills (psa_crash_test.go)
		os.Exit(runCrashChild())
	}
	if os.Getenv(scheduleCrashEnv) != "" { // the schedule-firing child that TestScheduleFiringCrash kills
		os.Exit(scheduleCrashChild())
	}
	// The crash tests re-execute the test binary as a child that runs one AI job (ai_jobs_test.go).
	if job := os.Getenv(aiCrashJobEnv); job != "" {
		os.Exit(aiCrashChild(job))
	}
	testenv.Main(m)
}
