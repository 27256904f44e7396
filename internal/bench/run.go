package bench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"time"

	"github.com/tenantry/tenantry/internal/postgres"
)

// run is the state of one harness run.
type run struct {
	cfg         Config
	log         *slog.Logger
	db          *database
	srv         *server
	client      *http.Client
	postgresPID int
	pgbench     pgbenchRun                   // what every pgbench run shares
	scripts     map[string][]string          // pgbench's script files by job (pgbenchJob)
	vars        map[string]map[string]string // and its variables
	flows       *flowsBench                  // the flows data set, when a flows scenario runs
	http        map[string]scenario
	results     map[string]*result
	profiles    []string      // profile files taken
	startJobs   time.Duration // how long the server's start-up jobs ran before the scenarios
	many        []tenant      // the main data set's tenants
	stream      *streamRun    // the stream scenario's extra figures, when it ran
}

// Run runs the harness: a private database, the server, the data set, every scenario of cfg,
// and the report, printed to stdout and, with cfg.Write, written into the docs.
func Run(ctx context.Context, cfg Config, log *slog.Logger, stdout io.Writer) (err error) {
	if err := cfg.Validate(); err != nil {
		return err
	}
	began := time.Now()
	r := &run{cfg: cfg, log: log, client: newClient(cfg.Concurrency), results: map[string]*result{}}
	scripts, err := pgbenchScripts(cfg)
	if err != nil {
		return err
	}
	var bin string
	if len(scripts) > 0 {
		if bin, err = findPgbench(cfg.Pgbench); err != nil {
			return err
		}
	}
	if r.db, err = startDatabase(ctx, cfg, log); err != nil {
		return err
	}
	defer func() { err = errors.Join(err, r.db.stop(ctx)) }()
	if err := r.startServer(ctx); err != nil {
		return err
	}
	defer func() { err = errors.Join(err, r.srv.stop()) }()
	many, few, stats, err := load(ctx, cfg, r.db, log)
	if err != nil {
		return err
	}
	log.Info("bench: data loaded", "spaces", stats.Spaces, "readings", stats.Readings, "elapsed", stats.Elapsed.Round(time.Second),
		"size_mb", stats.Bytes/1_000_000)
	if cfg.runsFlows() {
		if r.flows, err = loadFlows(ctx, cfg, r.db, r.client, r.srv.url, log); err != nil {
			return err
		}
		stats.FlowsElapsed = r.flows.elapsed
	}
	if err := r.preparePgbench(bin, scripts); err != nil {
		return err
	}
	r.http, r.many = httpScenarios(cfg, many, few, r.flows), many
	if err := r.scenarios(ctx); err != nil {
		return err
	}
	if err := r.heapProfile(ctx); err != nil {
		return err
	}
	_, peak, err := memory(r.srv.pid())
	if err != nil {
		return err
	}
	if err := r.publish(r.report(stats, peak, time.Since(began)), stdout); err != nil {
		return err
	}
	r.hold(ctx, stdout, many[0])
	return nil
}

// startServer starts the server before the data is loaded: at start it runs its periodic sweeps
// at once, and the retention sweep queues one job per tenant, which River works at about 40 a
// second here (docs/performance.md). On an empty database they are done in seconds, and the next
// retention sweep is an hour away, after the run.
func (r *run) startServer(ctx context.Context) error {
	var err error
	if r.srv, err = startServer(ctx, r.cfg, r.db, r.log); err != nil {
		return err
	}
	if r.startJobs, err = r.db.waitJobsIdle(ctx); err != nil {
		return errors.Join(err, r.srv.stop())
	}
	r.log.Info("bench: start-up jobs done", "elapsed", r.startJobs.Round(time.Millisecond))
	return nil
}

// httpScenarios builds the API scenarios over the loaded tenants and, if loaded, the flows data set.
func httpScenarios(cfg Config, many, few []tenant, fb *flowsBench) map[string]scenario {
	list := fmt.Sprintf("`GET /api/v1/spaces?limit=%d`", ListSize)
	out := map[string]scenario{
		ScenarioList:     listScenario(ScenarioList, fmt.Sprintf("%s, %s tenants", list, itoa(int64(cfg.Tenants))), many, false),
		ScenarioListFew:  listScenario(ScenarioListFew, fmt.Sprintf("%s, %d tenants", list, cfg.FewTenants), few, false),
		ScenarioListSite: listScenario(ScenarioListSite, fmt.Sprintf("`GET /api/v1/spaces?limit=%d&site_id=…`, %d tenants", ListSize, cfg.FewTenants), few, true),
		ScenarioGet:      getScenario(many), ScenarioReserve: reserveScenario(many), ScenarioIngest: ingestScenario(many),
	}
	if fb != nil {
		out[ScenarioFlows], out[ScenarioDecide] = flowsListScenario(fb), decideScenario(fb)
	}
	return out
}

// hold, with Config.Hold, prints how to reach the database and the server and waits for ctx to end.
func (r *run) hold(ctx context.Context, stdout io.Writer, t tenant) {
	if !r.cfg.Hold {
		return
	}
	fmt.Fprintf(stdout, "holding until interrupted:\n  psql %q\n  psql %q\n  curl -H 'X-API-Key: %s' %s/api/v1/spaces\n",
		r.db.url("postgres"), r.db.url(postgres.AppRole), t.key, r.srv.url)
	<-ctx.Done()
}

// The pgbench jobs: the scripts and variables of one baseline.
const (
	jobList   = "list"   // the space list (pgbench, pgbench-norls)
	jobFlows  = "flows"  // the flow list (pgbench-flows)
	jobDecide = "decide" // a decision (pgbench-decide)
)

// pgbenchScripts returns the scripts of the baselines the run measures, by job, read from the
// sources before anything starts (a source that moved fails the run at once).
func pgbenchScripts(cfg Config) (map[string][]string, error) {
	out := map[string][]string{}
	if cfg.runs(ScenarioPgbench) || cfg.runs(ScenarioPgbenchNoRLS) {
		s, err := listScript(cfg.Root, cfg.Tenants)
		if err != nil {
			return nil, err
		}
		out[jobList] = []string{s}
	}
	if cfg.runs(ScenarioPgbenchFlows) {
		s, err := flowListScripts(cfg.Root)
		if err != nil {
			return nil, err
		}
		out[jobFlows] = s
	}
	if cfg.runs(ScenarioPgbenchDecide) {
		s, err := decideScript(cfg.Root, cfg.flowSessions())
		if err != nil {
			return nil, err
		}
		out[jobDecide] = []string{s}
	}
	return out, nil
}

// preparePgbench writes the scripts, sets their variables and remembers how to run pgbench.
func (r *run) preparePgbench(bin string, scripts map[string][]string) error {
	r.scripts, r.vars = map[string][]string{}, map[string]map[string]string{jobList: pgbenchVars()}
	if r.flows != nil {
		r.vars[jobFlows], r.vars[jobDecide] = r.flows.flowListVars(), r.flows.decideVars()
	}
	for job, texts := range scripts {
		for i, text := range texts {
			path := filepath.Join(r.db.dir, fmt.Sprintf("%s-%d.sql", job, i))
			if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
				return err
			}
			r.scripts[job] = append(r.scripts[job], path)
		}
	}
	pid, err := r.db.postmasterPID()
	if err != nil {
		return err
	}
	r.postgresPID = pid
	r.pgbench = pgbenchRun{bin: bin, sockDir: r.db.cluster.SocketDir(), logDir: r.db.dir, clients: r.cfg.Concurrency, duration: r.cfg.Duration}
	return nil
}

// scenarios runs the read scenarios and the baselines Rounds times, each round in the reverse
// order of the one before (so slow drift of the machine favours none of them), then the writes.
func (r *run) scenarios(ctx context.Context) error {
	reads := []string{ScenarioPgbench, ScenarioPgbenchNoRLS, ScenarioList, ScenarioListFew, ScenarioPgbenchFlows, ScenarioFlows}
	for round := range r.cfg.Rounds {
		order := slices.Clone(reads)
		if round%2 == 1 {
			slices.Reverse(order)
		}
		for _, name := range order {
			if err := r.scenario(ctx, name); err != nil {
				return err
			}
		}
	}
	for _, name := range []string{ScenarioListSite, ScenarioGet, ScenarioReserve, ScenarioIngest, ScenarioPgbenchDecide, ScenarioDecide, ScenarioStream} {
		if err := r.scenario(ctx, name); err != nil {
			return err
		}
	}
	return nil
}

// scenario runs one round of a scenario, if the configuration selects it.
func (r *run) scenario(ctx context.Context, name string) error {
	if !r.cfg.runs(name) {
		return nil
	}
	res := r.results[name]
	if res == nil {
		res = &result{Name: name}
		r.results[name] = res
	}
	r.log.Info("bench: scenario", "name", name, "round", len(res.Rates)+1)
	switch name {
	case ScenarioPgbench:
		res.Title = "pgbench, the list SQL pipelined, application role (RLS)"
		return r.runPgbench(ctx, res, postgres.AppRole, jobList)
	case ScenarioPgbenchNoRLS:
		res.Title = "pgbench, the same script, BYPASSRLS role (no RLS)"
		return r.runPgbench(ctx, res, bypassRole, jobList)
	case ScenarioPgbenchFlows:
		res.Title = "pgbench, the flow list's SQL (list, then tags), application role"
		return r.runPgbench(ctx, res, postgres.AppRole, jobFlows)
	case ScenarioPgbenchDecide:
		res.Title = "pgbench, a decision's SQL (lock, save, commit), application role"
		return r.runPgbench(ctx, res, postgres.AppRole, jobDecide)
	case ScenarioStream:
		return r.runStream(ctx, res, r.many)
	case ScenarioFlows, ScenarioDecide:
		// Access tokens live 10 minutes: renew them before each round.
		if err := r.flows.renew(ctx, r.client, r.srv.url); err != nil {
			return err
		}
	}
	return r.runHTTP(ctx, res, r.http[name])
}

// runPgbench runs one warm-up and one measured pgbench of a job's scripts as role.
func (r *run) runPgbench(ctx context.Context, res *result, role, job string) error {
	res.Kind = kindPgbench
	p := r.pgbench
	p.role, p.scripts, p.vars = role, r.scripts[job], r.vars[job]
	if r.cfg.Warmup >= time.Second {
		p.duration = r.cfg.Warmup
		if _, err := p.run(ctx, res.Name+"-warmup", false); err != nil {
			return err
		}
		p.duration = r.cfg.Duration
	}
	m := startMeter(0, r.postgresPID)
	out, err := p.run(ctx, fmt.Sprintf("%s-%d", res.Name, len(res.Rates)+1), true)
	if err != nil {
		return err
	}
	u := m.stop()
	u.client = out.cpu
	res.add(u)
	res.Rates = append(res.Rates, out.tps)
	res.Requests += int64(len(out.latencies))
	res.Errors += out.failed
	res.latencies = append(res.latencies, out.latencies...)
	return nil
}

// runHTTP runs one warm-up and one measured phase of an HTTP scenario. A tenant mismatch in either
// aborts the run; so does an error rate above 1 %, which would make the figures meaningless.
func (r *run) runHTTP(ctx context.Context, res *result, sc scenario) error {
	res.Kind, res.Title = kindAPI, sc.title
	if r.cfg.Warmup > 0 {
		if _, err := drive(ctx, r.client, r.srv.url, sc, r.cfg.Concurrency, r.cfg.Warmup); err != nil {
			return err
		}
	}
	stopProfile := r.profile(ctx, sc.name)
	m := startMeter(r.srv.pid(), r.postgresPID)
	s, err := drive(ctx, r.client, r.srv.url, sc, r.cfg.Concurrency, r.cfg.Duration)
	u := m.stop()
	if perr := stopProfile(); err == nil {
		err = perr
	}
	if err != nil {
		return err
	}
	res.add(u)
	res.Rates = append(res.Rates, float64(len(s.latencies))/u.elapsed.Seconds())
	res.Requests += int64(len(s.latencies))
	res.Errors += s.errors
	res.latencies = append(res.latencies, s.latencies...)
	if s.firstErr != nil && res.FirstError == "" {
		res.FirstError = s.firstErr.Error()
	}
	if s.errors*100 > int64(len(s.latencies)) {
		return fmt.Errorf("bench: %s: %d of %d requests failed, the first with: %w", sc.name, s.errors, len(s.latencies), s.firstErr)
	}
	return nil
}

// machineInfo describes the host, the toolchain and the database.
func (r *run) machineInfo() machine {
	m := describeMachine()
	m.Go, m.Postgres = runtime.Version(), r.db.version
	return m
}

// sortedResults returns the results in scenario order.
func (r *run) sortedResults() []*result {
	var out []*result
	for _, name := range Scenarios {
		if res, ok := r.results[name]; ok {
			out = append(out, res)
		}
	}
	return out
}
