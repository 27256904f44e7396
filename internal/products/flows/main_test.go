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
	testenv.Main(m)
}
