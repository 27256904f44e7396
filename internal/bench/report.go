package bench

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
)

// The targets of issue 6, reported against every run and never asserted.
const (
	targetAPIOverPgbench = 0.5
	targetRLSOverNoRLS   = 0.95
	targetP99Scaling     = 1.2
	targetIngestRate     = 3000
	targetIngestP99      = 50 * time.Millisecond
	targetRSS            = 150_000_000 // bytes: 150 MB
	targetStreamP99      = time.Second // issue 17: a change reaches its streams within a second of its commit
)

// Markers delimiting the generated sections of the docs.
const (
	resultsStart = "<!-- bench:results:start -->"
	resultsEnd   = "<!-- bench:results:end -->"
	summaryStart = "<!-- bench:summary:start -->"
	summaryEnd   = "<!-- bench:summary:end -->"
)

// report is everything one run found.
type report struct {
	Date          time.Time
	Machine       machine
	Config        Config
	Data          loadStats
	Results       []*result
	ServerRSSPeak int64 // VmHWM of the server process at the end
	Total         time.Duration
	StartJobs     time.Duration // the server's start-up jobs, waited for before the scenarios
	Profiles      []string
	Stream        *streamRun // the stream scenario's subscribers and memory, when it ran
}

func (r *run) report(data loadStats, peak int64, total time.Duration) report {
	return report{Date: time.Now().UTC(), Machine: r.machineInfo(), Config: r.cfg, Data: data, Results: r.sortedResults(),
		ServerRSSPeak: peak, Total: total, StartJobs: r.startJobs, Profiles: r.profiles, Stream: r.stream}
}

// result returns the named scenario's result, or nil.
func (rep report) result(name string) *result {
	for _, r := range rep.Results {
		if r.Name == name {
			return r
		}
	}
	return nil
}

// publish prints the report and saves it under bench/results; with Write it also replaces the
// generated sections of docs/performance.md and the README.
func (r *run) publish(rep report, stdout io.Writer) error {
	md := rep.markdown()
	fmt.Fprintln(stdout, md)
	dir := r.cfg.ResultsDir
	if dir == "" {
		dir = filepath.Join(r.cfg.Root, "bench", "results")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	stamp := rep.Date.Format("20060102-150405")
	raw, _ := json.MarshalIndent(rep.figures(), "", "  ")
	if err := errors.Join(os.WriteFile(filepath.Join(dir, stamp+".md"), []byte(md), 0o644),
		os.WriteFile(filepath.Join(dir, stamp+".json"), raw, 0o644)); err != nil {
		return err
	}
	if !r.cfg.Write {
		return nil
	}
	return errors.Join(
		replaceSection(filepath.Join(r.cfg.Root, "docs", "performance.md"), resultsStart, resultsEnd, md),
		replaceSection(filepath.Join(r.cfg.Root, "README.md"), summaryStart, summaryEnd, rep.summary()))
}

// replaceSection replaces what lies between the start and end markers of the file with body.
func replaceSection(path, start, end, body string) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	out, err := spliceSection(string(b), start, end, body)
	if err != nil {
		return fmt.Errorf("bench: %s: %w", path, err)
	}
	return os.WriteFile(path, []byte(out), 0o644)
}

func spliceSection(doc, start, end, body string) (string, error) {
	i, j := strings.Index(doc, start), strings.Index(doc, end)
	if i < 0 || j < i {
		return "", fmt.Errorf("markers %s ... %s not found", start, end)
	}
	return doc[:i+len(start)] + "\n" + strings.TrimSpace(body) + "\n" + doc[j:], nil
}

// markdown renders the run: what was measured where, the figures and the ratios.
func (rep report) markdown() string {
	var b strings.Builder
	c, m, d := rep.Config, rep.Machine, rep.Data
	fmt.Fprintf(&b, "Run of **%s** (%s in all): `%s`.\n\n", rep.Date.Format("2006-01-02 15:04 MST"), rep.Total.Round(time.Second), c.Command)
	fmt.Fprintf(&b, "**Machine**: %s, %d CPUs, %s, %s; PostgreSQL %s; %s. The server, PostgreSQL, the load generator and "+
		"pgbench share these CPUs.\n\n", m.CPU, m.CPUs, m.Memory, m.Kernel, m.Postgres, m.Go)
	fmt.Fprintf(&b, "**Data**: %s tenants × %s spaces, each with %d sensors, a gateway and %d readings per sensor; plus %d tenants × %s "+
		"spaces (the same %s spaces in few tenants) for the scaling pair. Every tenant has %d reservations on its first spaces (one "+
		"expired, one covering now, the rest ahead) and one space under maintenance, so its first page shows every state. In all "+
		"%s spaces, %s devices, %s readings, %s reservations, loaded in %s through the application role, in each tenant's scoped "+
		"transaction; %s MB after VACUUM ANALYZE.\n\n",
		itoa(int64(c.Tenants)), itoa(int64(c.Spaces)), c.Sensors, c.Readings, c.FewTenants, itoa(int64(c.fewSpaces())),
		itoa(int64(c.Tenants)*int64(c.Spaces)), c.Reservations, itoa(d.Spaces), itoa(d.Devices), itoa(d.Readings),
		itoa(d.Reservations), d.Elapsed.Round(time.Second), itoa(d.Bytes/1_000_000))
	if d.FlowsElapsed > 0 {
		fmt.Fprintf(&b, "**Flows data**: one more tenant with %d members in %d teams and %s flows (40 %% visible to the tenant, 40 %% "+
			"team flows, 20 %% private; each member sees about 65 %%), loaded through the application role in the tenant's scope with multi-row "+
			"`INSERT … SELECT`; a maintenance flow created and published over the API, a session per member started and taken %d steps "+
			"over the API, each cloned into %s sessions for the decision scenario and as many for its baseline; %s in all.\n\n",
			flowMembers, flowTeams, itoa(int64(c.Flows)), templateDecisions, itoa(int64(c.flowSessions())), d.FlowsElapsed.Round(100*time.Millisecond))
	}
	fmt.Fprintf(&b, "**Setup**: private PostgreSQL on a unix socket (%s; fsync and synchronous_commit %s); `tenantry serve`, the "+
		"production binary%s, on 127.0.0.1 with %d connections per pool, rate limits lifted but checked, request logs (level info) to "+
		"a file, started before the data was loaded so that its start-up sweeps (%s) ran on an empty database; %d concurrent clients, each request for a random tenant with its API key (the flows scenarios: a random member of the flows tenant with its access token), every response checked for that "+
		"tenant (or member); %s warm-up and %s measured per scenario and round; the read scenarios in %d rounds, each in the reverse order "+
		"of the one before.\n\n", settingsText(c.Settings), onOff(c.Durable), serverEnvText(c.ServerEnv), c.Pool, rep.StartJobs.Round(100*time.Millisecond), c.Concurrency, c.Warmup, c.Duration, c.Rounds)
	b.WriteString(rep.table())
	b.WriteString("\nCPU columns are CPUs kept busy on average over the measured time (2.00 = both CPUs of this machine): the " +
		"server from `/proc/<pid>/stat` of the `tenantry` process, PostgreSQL from the postmaster and its backends, the client " +
		"is the Go load generator (API rows) or pgbench (pgbench rows), the machine column all of it (`/proc/stat`). Server RSS is the highest `VmRSS` sampled every 100 ms " +
		"during the scenario; p50/p95/p99 are over every request of all rounds, pgbench's from its per-transaction log.\n\n")
	b.WriteString(rep.streamText())
	b.WriteString(rep.ratios())
	return b.String()
}

// streamText describes the stream scenario's run, when it ran.
func (rep report) streamText() string {
	st, res := rep.Stream, rep.result(ScenarioStream)
	if st == nil || res == nil {
		return ""
	}
	return fmt.Sprintf("**Live stream**: %s streams open (%d per tenant over %d tenants, each on its tenant's site, through one "+
		"`LISTEN` connection of the server) while the ingest scenario ran over those tenants: %s uplinks stored, %s state events "+
		"delivered; a change's latency is from its `recorded_at` (the time in its UUIDv7 id, made in the committing transaction, so "+
		"it includes the commit) to its arrival at the client, on the same machine's clock; every event checked to be of the "+
		"stream's own site, and every change the load recorded checked to have reached every stream of its tenant (errors: %s). "+
		"Server RSS %s before the streams opened, %s with them open and idle, %s at most under load.\n\n",
		itoa(int64(st.Subscribers)), st.Subscribers/st.Tenants, st.Tenants, itoa(st.Uplinks), itoa(st.Delivered), itoa(res.Errors),
		mb(st.RSSBefore), mb(st.RSSOpen), mb(res.ServerRSSMax))
}

// table renders one row per scenario.
func (rep report) table() string {
	var b strings.Builder
	b.WriteString("| scenario | req/s | per round | p50 | p95 | p99 | errors | server RSS max | server CPU | PostgreSQL CPU | client CPU | machine CPU |\n")
	b.WriteString("|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|\n")
	for _, r := range rep.Results {
		rounds := make([]string, len(r.Rates))
		for i, x := range r.Rates {
			rounds[i] = itoa(int64(x + 0.5))
		}
		rss, server := "–", "–"
		if r.Kind == kindAPI {
			rss, server = mb(r.ServerRSSMax), fmt.Sprintf("%.2f", r.cores(r.ServerCPU))
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %s | %s | %s | %s | %.2f | %.2f | %.2f |\n", r.Title, itoa(int64(r.rate()+0.5)),
			strings.Join(rounds, " / "), ms(r.quantile(0.50)), ms(r.quantile(0.95)), ms(r.quantile(0.99)),
			itoa(r.Errors), rss, server, r.cores(r.PostgresCPU), r.cores(r.ClientCPU), r.cores(r.MachineBusy))
	}
	return b.String()
}

// ratio is one reported figure against its target.
type ratio struct {
	Name, Value, Target string
	Met                 bool
}

// ratios computes the figures the issue sets targets for.
func (rep report) ratios() string {
	var b strings.Builder
	b.WriteString("| figure | measured | target | met |\n|---|--:|--:|:-:|\n")
	for _, x := range rep.figures().Ratios {
		met := "no"
		if x.Met {
			met = "yes"
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s |\n", x.Name, x.Value, x.Target, met)
	}
	return b.String()
}

// figures are the report's numbers, for the ratios table and the JSON file.
type figures struct {
	Date      time.Time
	Scenarios map[string]map[string]float64
	Ratios    []ratio
}

func (rep report) figures() figures {
	f := figures{Date: rep.Date, Scenarios: map[string]map[string]float64{}}
	for _, r := range rep.Results {
		f.Scenarios[r.Name] = map[string]float64{"rps": r.rate(), "p50_ms": msf(r.quantile(0.5)), "p95_ms": msf(r.quantile(0.95)),
			"p99_ms": msf(r.quantile(0.99)), "errors": float64(r.Errors), "server_rss_max_mb": float64(r.ServerRSSMax) / 1e6,
			"server_cpu": r.cores(r.ServerCPU), "postgres_cpu": r.cores(r.PostgresCPU), "client_cpu": r.cores(r.ClientCPU)}
	}
	list, pg, norls, few, ingest := rep.result(ScenarioList), rep.result(ScenarioPgbench), rep.result(ScenarioPgbenchNoRLS),
		rep.result(ScenarioListFew), rep.result(ScenarioIngest)
	f.Ratios = append(f.Ratios, apiOverPgbench(list, pg, "API space list")...)
	if pg != nil && norls != nil {
		x := pg.rate() / norls.rate()
		f.Ratios = append(f.Ratios, ratio{"RLS ÷ no RLS (pgbench)" + perRound(pg, norls), ratioText(x, targetRLSOverNoRLS),
			fmt.Sprintf("≥ %.2f", targetRLSOverNoRLS), x >= targetRLSOverNoRLS})
	}
	if list != nil && few != nil {
		x := msf(list.quantile(0.99)) / msf(few.quantile(0.99))
		f.Ratios = append(f.Ratios, ratio{fmt.Sprintf("p99 of the list, %s tenants ÷ %d tenants (same rows)", itoa(int64(rep.Config.Tenants)),
			rep.Config.FewTenants), ratioText(x, targetP99Scaling), fmt.Sprintf("≤ %.1f", targetP99Scaling), x <= targetP99Scaling})
	}
	f.Ratios = append(f.Ratios, apiOverPgbench(rep.result(ScenarioFlows), rep.result(ScenarioPgbenchFlows), "API flow list")...)
	f.Ratios = append(f.Ratios, apiOverPgbench(rep.result(ScenarioDecide), rep.result(ScenarioPgbenchDecide), "API decision")...)
	if ingest != nil {
		f.Ratios = append(f.Ratios,
			ratio{"ChirpStack ingest", itoa(int64(ingest.rate()+0.5)) + " uplinks/s", "≥ " + itoa(targetIngestRate) + "/s", ingest.rate() >= targetIngestRate},
			ratio{"ChirpStack ingest p99", ms(ingest.quantile(0.99)), "< " + ms(targetIngestP99), ingest.quantile(0.99) < targetIngestP99})
	}
	if stream := rep.result(ScenarioStream); stream != nil {
		f.Ratios = append(f.Ratios, ratio{"live stream delivery p99 (recorded → received)", ms(stream.quantile(0.99)),
			"< " + ms(targetStreamP99), stream.quantile(0.99) < targetStreamP99 && stream.Requests > 0})
	}
	if rep.ServerRSSPeak > 0 {
		f.Ratios = append(f.Ratios, ratio{"server peak RSS (VmHWM, whole run)", mb(rep.ServerRSSPeak), "< " + mb(targetRSS),
			rep.ServerRSSPeak < targetRSS})
	}
	return f
}

// apiOverPgbench is an API scenario's rate over its pgbench baseline's, when both ran.
func apiOverPgbench(api, pg *result, what string) []ratio {
	if api == nil || pg == nil {
		return nil
	}
	x := api.rate() / pg.rate()
	return []ratio{{what + " ÷ pgbench (same SQL, same concurrency)" + perRound(api, pg), ratioText(x, targetAPIOverPgbench),
		fmt.Sprintf("≥ %.1f", targetAPIOverPgbench), x >= targetAPIOverPgbench}}
}

// perRound writes the ratio of a to b round by round, to show the noise.
func perRound(a, b *result) string {
	if len(a.Rates) < 2 || len(a.Rates) != len(b.Rates) {
		return ""
	}
	parts := make([]string, len(a.Rates))
	for i := range a.Rates {
		parts[i] = fmt.Sprintf("%.2f", a.Rates[i]/b.Rates[i])
	}
	return " — by round: " + strings.Join(parts, ", ")
}

// summary is the README's short version: the ratios and where the rest is.
func (rep report) summary() string {
	var b strings.Builder
	fmt.Fprintf(&b, "Last `make bench` (%s, %d CPUs, %s tenants × %s spaces, %d clients; generated by the run):\n\n",
		rep.Date.Format("2006-01-02"), rep.Machine.CPUs, itoa(int64(rep.Config.Tenants)), itoa(int64(rep.Config.Spaces)), rep.Config.Concurrency)
	b.WriteString(rep.ratios())
	return b.String()
}

// ratioText writes x with two decimals, or three when two would equal the target.
func ratioText(x, target float64) string {
	if s := fmt.Sprintf("%.2f", x); s != fmt.Sprintf("%.2f", target) {
		return s
	}
	return fmt.Sprintf("%.3f", x)
}

// serverEnvText names the environment the run added to the server's, if any.
func serverEnvText(env []string) string {
	if len(env) == 0 {
		return ""
	}
	return " with `" + strings.Join(env, " ") + "`"
}

func settingsText(s map[string]string) string {
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(s)) {
		parts = append(parts, k+"="+s[k])
	}
	return strings.Join(parts, ", ")
}

func onOff(b bool) string {
	if b {
		return "on, every commit flushed as in production"
	}
	return "off (ephemeral)"
}

func msf(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

func ms(d time.Duration) string {
	switch x := msf(d); {
	case x < 10:
		return fmt.Sprintf("%.2f ms", x)
	default:
		return fmt.Sprintf("%.1f ms", x)
	}
}

func mb(n int64) string { return fmt.Sprintf("%.0f MB", float64(n)/1e6) }

// itoa formats n with thousands separators.
func itoa(n int64) string {
	if n < 0 {
		return "-" + itoa(-n)
	}
	s := strconv.FormatInt(n, 10)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
