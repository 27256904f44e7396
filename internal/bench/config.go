package bench

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// The scenario names, in the order a run measures them.
const (
	ScenarioPgbench       = "pgbench"        // the list SQL through pgbench, as the application role (RLS)
	ScenarioPgbenchNoRLS  = "pgbench-norls"  // the same script as a BYPASSRLS role
	ScenarioList          = "list"           // GET /api/v1/spaces?limit=50, tenants of the main data set
	ScenarioListFew       = "list-few"       // the same over the 10 large tenants
	ScenarioListSite      = "list-site"      // the same with ?site_id= (a filtered list), over the 10 large tenants
	ScenarioGet           = "get"            // GET /api/v1/spaces/{id}
	ScenarioReserve       = "reserve"        // POST /api/v1/reservations
	ScenarioIngest        = "ingest"         // POST /api/v1/ingest/chirpstack?event=up
	ScenarioPgbenchFlows  = "pgbench-flows"  // the flow list's SQL through pgbench, as the application role
	ScenarioFlows         = "flows"          // GET /api/v1/flows?limit=50, the members of the flows tenant
	ScenarioPgbenchDecide = "pgbench-decide" // the decision's SQL through pgbench, as the application role
	ScenarioDecide        = "decide"         // POST /api/v1/sessions/{id}/decisions
	ScenarioStream        = "stream"         // live streams (GET /api/v1/sites/{id}/stream) while ingest runs
)

// Scenarios lists every scenario in report order.
var Scenarios = []string{ScenarioPgbench, ScenarioPgbenchNoRLS, ScenarioList, ScenarioListFew, ScenarioListSite, ScenarioGet,
	ScenarioReserve, ScenarioIngest, ScenarioPgbenchFlows, ScenarioFlows, ScenarioPgbenchDecide, ScenarioDecide, ScenarioStream}

// flowsScenarios are the scenarios that need the flows data set.
var flowsScenarios = []string{ScenarioPgbenchFlows, ScenarioFlows, ScenarioPgbenchDecide, ScenarioDecide}

// streamMaxPerTenant is the server's default bound of open streams per tenant
// (TENANTRY_STREAM_MAX_PER_TENANT).
const streamMaxPerTenant = 20

// maxSpaces bounds the spaces of one tenant: space codes are S- and 7 digits.
const maxSpaces = 10_000_000

// ListSize is the page size of the list scenario (and of its pgbench baseline).
const ListSize = 50

// Config is one run of the harness. DefaultConfig is sized for a 2-core machine and finishes in
// well under 10 minutes; the full-size scaling run is Tenants=10000, Spaces=1000.
type Config struct {
	Tenants      int // tenants of the main data set
	Spaces       int // spaces per tenant of the main data set (at least ListSize)
	Sensors      int // sensors per tenant of the main data set, one per space, plus one gateway
	Readings     int // readings preloaded per sensor
	Reservations int // reservations per tenant, on its first spaces (one expired, one covering now, the rest ahead)
	FewTenants   int // tenants of the scaling pair's small side; together they hold Tenants × Spaces spaces
	LoadWorkers  int // concurrent loader transactions
	Flows        int // flows in the one tenant of the flows data set (flows_data.go)
	FlowSessions int // sessions of the decision scenario, and as many for its pgbench baseline

	StreamSubscribers int // live streams of the stream scenario, spread evenly over StreamTenants
	StreamTenants     int // tenants of the stream scenario (the first of the main data set)

	Concurrency int               // concurrent clients of every scenario, and pgbench's -c
	Pool        int               // the server's connections per role pool (TENANTRY_DB_MAX_CONNS)
	Duration    time.Duration     // measured time per scenario
	Warmup      time.Duration     // unmeasured time before each scenario
	Rounds      int               // the pgbench pair and the list scenarios run this many times, alternating
	Durable     bool              // fsync, synchronous_commit and full_page_writes on (a real server's durability)
	Settings    map[string]string // PostgreSQL settings of the private cluster
	ServerEnv   []string          // NAME=VALUE added to the server's environment (GOGC, GOMAXPROCS, TENANTRY_*), last wins

	Root       string   // the module root: the SQL of the baselines is read from its sources
	ResultsDir string   // where each run's report is kept; "" is bench/results under Root
	Server     string   // the tenantry binary to run (`tenantry serve`)
	Pgbench    string   // pgbench; "" looks next to the server binaries, then on PATH
	Only       []string // run only these scenarios; empty runs all
	Write      bool     // write the results into docs/performance.md and the README
	Command    string   // the command line, as the report shows it
	ProfileDir string   // non-empty: take CPU and heap profiles of the server (built with -tags pprof) into this directory
	Hold       bool     // keep the database and the server after the run until ctx ends, for inspection
}

// DefaultConfig returns the configuration of `make bench`.
func DefaultConfig() Config {
	return Config{
		Tenants: 10_000, Spaces: 50, Sensors: 5, Readings: 20, Reservations: 10, FewTenants: 10, LoadWorkers: 4,
		Flows: 10_000, FlowSessions: 2_000, StreamSubscribers: 1_000, StreamTenants: 100,
		Concurrency: 8, Pool: 8, Duration: 15 * time.Second, Warmup: 3 * time.Second, Rounds: 2, Durable: true,
		Settings: map[string]string{
			"shared_buffers": "256MB", "effective_cache_size": "1GB", "maintenance_work_mem": "256MB",
			"work_mem": "8MB", "max_wal_size": "4GB", "checkpoint_timeout": "15min", "max_connections": "100",
		},
		Root: ".", Server: "bin/tenantry",
	}
}

// Validate reports what is wrong with c.
func (c Config) Validate() error {
	var errList []error
	check := func(ok bool, format string, args ...any) {
		if !ok {
			errList = append(errList, fmt.Errorf(format, args...))
		}
	}
	check(c.Tenants >= 1 && c.Tenants <= 1_000_000, "tenants: want 1 to 1,000,000")
	check(c.Spaces >= ListSize, "spaces: want at least %d (the list scenario reads %d)", ListSize, ListSize)
	check(c.Sensors >= 1 && c.Sensors <= c.Spaces, "sensors: want 1 to spaces")
	check(c.Readings >= 0, "readings: want 0 or more")
	check(c.Reservations >= 0 && c.Reservations < ListSize && c.Reservations <= 40, "reservations: want 0 to 40 (and fewer than %d)", ListSize)
	check(c.FewTenants >= 1 && c.Tenants*c.Spaces/c.FewTenants >= ListSize, "few-tenants: each must hold at least %d spaces", ListSize)
	check(c.FewTenants >= 1 && c.fewSpaces() < maxSpaces && c.Spaces < maxSpaces, "spaces: at most %d per tenant (codes have 7 digits)", maxSpaces-1)
	check(c.LoadWorkers >= 1, "load-workers: want at least 1")
	check(c.Flows >= 4*ListSize && c.Flows <= 1_000_000, "flows: want %d to 1,000,000 (each member's first page must fill)", 4*ListSize)
	check(c.FlowSessions >= 100, "flow-sessions: want at least 100")
	check(c.StreamTenants >= 1 && c.StreamTenants <= c.Tenants, "stream-tenants: want 1 to tenants")
	check(c.StreamSubscribers >= c.StreamTenants && c.StreamSubscribers <= streamMaxPerTenant*c.StreamTenants,
		"stream-subscribers: want stream-tenants to %d × stream-tenants (the server's default bound per tenant)", streamMaxPerTenant)
	check(c.Concurrency >= 1, "concurrency: want at least 1")
	check(c.Pool >= 1, "pool: want at least 1")
	check(c.Duration >= time.Second, "duration: want at least 1s")
	check(c.Warmup >= 0, "warmup: want 0 or more")
	check(c.Rounds >= 1, "rounds: want at least 1")
	check(c.Server != "", "server: the tenantry binary is required")
	for _, kv := range c.ServerEnv {
		name, _, ok := strings.Cut(kv, "=")
		check(ok && name != "", "server-env: want NAME=VALUE, got %q", kv)
	}
	for _, s := range c.Only {
		check(slices.Contains(Scenarios, s), "only: unknown scenario %q (want %s)", s, strings.Join(Scenarios, ", "))
	}
	return errors.Join(errList...)
}

// runs reports whether the scenario is part of this run.
func (c Config) runs(scenario string) bool {
	return len(c.Only) == 0 || slices.Contains(c.Only, scenario)
}

// fewSpaces is the number of spaces of each tenant of the small side of the scaling pair.
func (c Config) fewSpaces() int { return c.Tenants * c.Spaces / c.FewTenants }

// runsFlows reports whether the run needs the flows data set.
func (c Config) runsFlows() bool { return slices.ContainsFunc(flowsScenarios, c.runs) }

// flowSessions is the number of sessions of each set: FlowSessions rounded up to a multiple of
// flowMembers, so every member owns as many.
func (c Config) flowSessions() int {
	return (c.FlowSessions + flowMembers - 1) / flowMembers * flowMembers
}
