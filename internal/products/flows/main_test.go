package flows_test

import (
	"os"
	"testing"

	"github.com/tenantry/tenantry/internal/testkit/testenv"
)

func TestMain(m *testing.M) {
	if os.Getenv(crashChildEnv) != "" { // the crash test's child: no cluster of its own
		os.Exit(crashChild())
	}
	testenv.Main(m)
}
