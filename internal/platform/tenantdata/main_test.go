package tenantdata_test

import (
	"testing"

	"github.com/tenantry/tenantry/internal/testkit/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m) }
