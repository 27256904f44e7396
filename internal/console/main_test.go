package console_test

import (
	"testing"

	"github.com/tenantry/tenantry/internal/testkit/testenv"
)

// TestMain starts the package's throwaway PostgreSQL cluster: the browser tests run the assembled
// service (apitest) and drive its pages in headless Chromium (internal/testkit/browser).
func TestMain(m *testing.M) { testenv.Main(m) }
