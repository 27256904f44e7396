package bench

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/tenantry/tenantry/internal/pgcluster"
)

// The statements of the list scenario, as the application sends them: the scope binding of
// postgres.DB.Read and the sqlc query behind GET /api/v1/spaces without filters. The baseline
// reads them from the sources, so it can never drift from what the API runs.
var (
	bindSource = sqlSource{"internal/postgres/scoped.go", "bindSQL"}
	listSource = sqlSource{"internal/products/parking/store/spaces.sql.go", "listLiveSpaces"}
)

// The statements' parameters in the pgbench script, in the order of $1, $2, ...; the variables are
// set by pgbenchVars and by \set t in the script.
var (
	bindArgs = []string{"md5(:t)", ":user", ":ro"}                           // tenant, user, read-only
	listArgs = []string{"md5(:t)::uuid", ":after_code", ":after_id", ":lim"} // tenant, cursor, page size + 1
)

// pgbenchVars are the values of the script's variables: the API key's user (the bench user), a
// read-only binding, the first page's cursor and the page size the API asks for (one more than it
// returns, to know whether a next page exists). The API's first-page cursor is (”, nil uuid);
// pgbench cannot pass an empty string, so its code is "!", which also sorts before every code.
func pgbenchVars() map[string]string {
	return map[string]string{"user": md5UUID("bench-user").String(), "ro": "on", "after_code": "!",
		"after_id": uuid.Nil.String(), "lim": strconv.Itoa(ListSize + 1)}
}

// sqlSource names a string constant in a Go file of the module.
type sqlSource struct{ file, name string }

// read returns the constant's value, parsed from the file under root.
func (s sqlSource) read(root string) (string, error) {
	path := filepath.Join(root, s.file)
	f, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.SkipObjectResolution)
	if err != nil {
		return "", fmt.Errorf("bench: %w", err)
	}
	for _, decl := range f.Decls {
		gd, ok := decl.(*ast.GenDecl)
		if !ok || gd.Tok != token.CONST {
			continue
		}
		for _, spec := range gd.Specs {
			vs := spec.(*ast.ValueSpec)
			for i, n := range vs.Names {
				if n.Name != s.name || i >= len(vs.Values) {
					continue
				}
				if lit, ok := vs.Values[i].(*ast.BasicLit); ok && lit.Kind == token.STRING {
					return strconv.Unquote(lit.Value)
				}
			}
		}
	}
	return "", fmt.Errorf("bench: no string constant %s in %s", s.name, path)
}

// params replaces the $n parameters of sql with args[n-1].
func params(sql string, args []string) (string, error) {
	var err error
	out := regexp.MustCompile(`\$(\d+)`).ReplaceAllStringFunc(sql, func(m string) string {
		n, _ := strconv.Atoi(m[1:])
		if n < 1 || n > len(args) {
			err = fmt.Errorf("bench: parameter %s has no value", m)
			return m
		}
		return args[n-1]
	})
	return out, err
}

// listScript returns the pgbench script of the list scenario for tenants 1..tenants: the binding
// and the list query, unchanged but for their parameters, in one pipeline (like pgx's batch), run
// with -M prepared (like pgx's statement cache). Parameters stay parameters (pgbenchVars), except
// the tenant: md5(:t), tenant n's id, as pgbench cannot format a uuid.
func listScript(root string, tenants int) (string, error) {
	bind, err := statement(root, bindArgs, bindSource)
	if err != nil {
		return "", err
	}
	list, err := statement(root, listArgs, listSource)
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("\\set t random(1, %d)\n", tenants) + pipeline(bind, list), nil
}

// statement returns the SQL of the sources, read from root and concatenated, with its $n
// parameters replaced by args.
func statement(root string, args []string, sources ...sqlSource) (string, error) {
	var b strings.Builder
	for _, src := range sources {
		sql, err := src.read(root)
		if err != nil {
			return "", err
		}
		b.WriteString(sql)
	}
	out, err := params(b.String(), args)
	return strings.TrimSpace(out), err
}

// pipeline sends statements as one pipeline, one Sync at its end: what a pgx batch sends.
func pipeline(statements ...string) string {
	return "\\startpipeline\n" + strings.Join(statements, ";\n") + ";\n\\endpipeline\n"
}

// pgbenchRun is one pgbench invocation: its scripts (pgbench picks one at random for each
// transaction) and variables, and where and how long it runs.
type pgbenchRun struct {
	bin, role, sockDir, logDir string
	scripts                    []string
	vars                       map[string]string
	clients                    int
	duration                   time.Duration
}

// pgbenchResult is what pgbench reported, with the latency of every transaction from its log.
type pgbenchResult struct {
	tps       float64
	failed    int64
	latencies []time.Duration
	cpu       time.Duration // pgbench's own CPU time
}

// run runs pgbench with -M prepared and reads its summary and its per-transaction log.
func (p pgbenchRun) run(ctx context.Context, name string, logged bool) (pgbenchResult, error) {
	args := []string{"-n", "-M", "prepared", "-c", strconv.Itoa(p.clients), "-j", strconv.Itoa(min(p.clients, 2)),
		"-T", strconv.Itoa(int(p.duration.Round(time.Second) / time.Second)), "-h", p.sockDir, "-p", "5432", "-U", p.role}
	for _, script := range p.scripts {
		args = append(args, "-f", script)
	}
	for k, v := range p.vars {
		args = append(args, "-D", k+"="+v)
	}
	prefix := filepath.Join(p.logDir, name)
	if logged {
		args = append(args, "--log", "--log-prefix="+prefix)
	}
	cmd := exec.CommandContext(ctx, p.bin, append(args, dbName)...)
	cmd.Env = childEnv()
	out, err := cmd.CombinedOutput()
	if err != nil {
		return pgbenchResult{}, fmt.Errorf("bench: pgbench %s: %w\n%s", name, err, out)
	}
	res, err := parsePgbench(string(out))
	if err != nil {
		return res, err
	}
	if u := cmd.ProcessState; u != nil {
		res.cpu = u.UserTime() + u.SystemTime()
	}
	if logged {
		res.latencies, err = readPgbenchLogs(prefix)
	}
	return res, err
}

var (
	tpsLine    = regexp.MustCompile(`(?m)^tps = ([0-9.]+) \(without initial connection time\)`)
	failedLine = regexp.MustCompile(`(?m)^number of failed transactions: (\d+)`)
)

// parsePgbench reads the throughput and the failed transactions from pgbench's summary.
func parsePgbench(out string) (pgbenchResult, error) {
	var r pgbenchResult
	m := tpsLine.FindStringSubmatch(out)
	if m == nil {
		return r, fmt.Errorf("bench: no tps in the pgbench output:\n%s", out)
	}
	r.tps, _ = strconv.ParseFloat(m[1], 64)
	if m := failedLine.FindStringSubmatch(out); m != nil {
		r.failed, _ = strconv.ParseInt(m[1], 10, 64)
	}
	return r, nil
}

// readPgbenchLogs reads the latency (third field, µs) of every transaction from pgbench's logs
// (prefix.pid and prefix.pid.thread) and removes them.
func readPgbenchLogs(prefix string) ([]time.Duration, error) {
	files, _ := filepath.Glob(prefix + ".*")
	if len(files) == 0 {
		return nil, fmt.Errorf("bench: no pgbench log %s.*", prefix)
	}
	var out []time.Duration
	for _, path := range files {
		f, err := os.Open(path)
		if err != nil {
			return nil, err
		}
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			fields := strings.Fields(sc.Text())
			if len(fields) < 3 {
				continue
			}
			us, err := strconv.ParseInt(fields[2], 10, 64)
			if err != nil {
				continue // a failed transaction ("failed", "serialization", ...)
			}
			out = append(out, time.Duration(us)*time.Microsecond)
		}
		err = errors.Join(sc.Err(), f.Close(), os.Remove(path))
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

// findPgbench returns the pgbench of the server's own version (Debian installs it next to initdb),
// else the one on PATH.
func findPgbench(configured string) (string, error) {
	if configured != "" {
		return configured, nil
	}
	if dir, err := pgcluster.Binaries(); err == nil {
		if p := filepath.Join(dir, "pgbench"); fileExists(p) {
			return p, nil
		}
	}
	if p, err := exec.LookPath("pgbench"); err == nil {
		return p, nil
	}
	return "", errors.New("bench: pgbench not found; install it (Debian: apt-get install postgresql-client) or run `make bench`, which does")
}

func fileExists(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && !fi.IsDir()
}

// childEnv is the environment without PG* variables, which would change pgbench's defaults.
func childEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "PG") {
			env = append(env, kv)
		}
	}
	return env
}
