// Command loadbench runs Tenantry's load harness (package bench): `make bench` runs it with the
// defaults and -write. It needs the tenantry binary (-server, `make build`) and pgbench, and runs
// from the module root, whose sources it reads the baseline's SQL from.
//
//	go run ./cmd/loadbench -server bin/tenantry [-write] [-tenants 10000 -spaces 1000] ...
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"runtime/pprof"
	"strings"
	"syscall"

	"github.com/tenantry/tenantry/internal/bench"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "loadbench:", err)
		}
		os.Exit(1)
	}
}

// options are the command's own flags, besides the harness configuration.
type options struct {
	only, cpuProfile string
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cfg, opt, err := parseFlags(args, stderr)
	if err != nil {
		return err
	}
	if opt.only != "" {
		cfg.Only = strings.Split(opt.only, ",")
	}
	if cfg.Write && (cfg.ProfileDir != "" || len(cfg.Only) > 0) {
		return errors.New("-write needs a complete run without -profile (profiling perturbs the figures)")
	}
	log := slog.New(slog.NewTextHandler(stderr, nil))
	if opt.cpuProfile != "" {
		f, err := os.Create(opt.cpuProfile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	return bench.Run(ctx, cfg, log, stdout)
}

// parseFlags reads the command line into the harness configuration, starting from its defaults.
func parseFlags(args []string, stderr io.Writer) (bench.Config, options, error) {
	cfg, opt := bench.DefaultConfig(), options{}
	fs := flag.NewFlagSet("loadbench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.IntVar(&cfg.Tenants, "tenants", cfg.Tenants, "tenants of the main data set (full-size scaling run: 10000)")
	fs.IntVar(&cfg.Spaces, "spaces", cfg.Spaces, "spaces per tenant of the main data set (full-size scaling run: 1000)")
	fs.IntVar(&cfg.Sensors, "sensors", cfg.Sensors, "sensors per tenant (one per space), plus one gateway")
	fs.IntVar(&cfg.Readings, "readings", cfg.Readings, "readings preloaded per sensor")
	fs.IntVar(&cfg.Reservations, "reservations", cfg.Reservations, "reservations per tenant on its first spaces")
	fs.IntVar(&cfg.FewTenants, "few-tenants", cfg.FewTenants, "tenants holding the same number of spaces, for the scaling pair")
	fs.IntVar(&cfg.LoadWorkers, "load-workers", cfg.LoadWorkers, "concurrent loader transactions")
	fs.IntVar(&cfg.Flows, "flows", cfg.Flows, "flows in the flows tenant (the flow list scenario)")
	fs.IntVar(&cfg.FlowSessions, "flow-sessions", cfg.FlowSessions, "sessions of the decision scenario (and as many for its baseline)")
	fs.IntVar(&cfg.StreamSubscribers, "stream-subscribers", cfg.StreamSubscribers, "live streams of the stream scenario")
	fs.IntVar(&cfg.StreamTenants, "stream-tenants", cfg.StreamTenants, "tenants the stream scenario's streams are spread over")
	fs.IntVar(&cfg.Concurrency, "concurrency", cfg.Concurrency, "concurrent clients per scenario (and pgbench -c)")
	fs.IntVar(&cfg.Pool, "pool", cfg.Pool, "server connections per role pool (TENANTRY_DB_MAX_CONNS)")
	fs.DurationVar(&cfg.Duration, "duration", cfg.Duration, "measured time per scenario and round")
	fs.DurationVar(&cfg.Warmup, "warmup", cfg.Warmup, "warm-up before each scenario and round")
	fs.IntVar(&cfg.Rounds, "rounds", cfg.Rounds, "rounds of the read scenarios and baselines")
	fs.BoolVar(&cfg.Durable, "durable", cfg.Durable, "fsync and synchronous_commit on, as in production")
	fs.Func("set", "a PostgreSQL setting NAME=VALUE for the private cluster, added to or replacing the defaults (repeatable)", func(v string) error {
		name, value, ok := strings.Cut(v, "=")
		if !ok || name == "" {
			return errors.New("want NAME=VALUE")
		}
		cfg.Settings[name] = value
		return nil
	})
	fs.Func("server-env", "NAME=VALUE added to the server's environment, e.g. GOGC=200 (repeatable)", func(v string) error {
		cfg.ServerEnv = append(cfg.ServerEnv, v)
		return nil
	})
	fs.StringVar(&cfg.Server, "server", cfg.Server, "the tenantry binary (`make build`; -tags pprof for -profile)")
	fs.StringVar(&cfg.Pgbench, "pgbench", "", "pgbench binary (default: next to the PostgreSQL server binaries, else on PATH)")
	fs.StringVar(&cfg.Root, "root", cfg.Root, "the module root")
	fs.BoolVar(&cfg.Write, "write", false, "write the results into docs/performance.md and README.md")
	fs.StringVar(&cfg.Command, "command", "loadbench "+strings.Join(args, " "), "the command line the report shows")
	fs.StringVar(&cfg.ProfileDir, "profile", "", "save CPU profiles of the list and ingest scenarios and a heap profile in this directory")
	fs.BoolVar(&cfg.Hold, "hold", false, "after the run, keep the database and the server until interrupted (prints how to reach them)")
	fs.StringVar(&opt.only, "only", "", "comma-separated scenarios to run (default all): "+strings.Join(bench.Scenarios, ", "))
	fs.StringVar(&opt.cpuProfile, "cpuprofile", "", "write a CPU profile of the load generator itself to this file")
	return cfg, opt, fs.Parse(args)
}
