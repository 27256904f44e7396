package pgcluster

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"
)

// Timeouts of the server's life cycle.
const (
	startTimeout = 2 * time.Minute  // start-up to "ready", crash recovery of a dev cluster included
	attachWait   = 30 * time.Second // how long a live server found on the data dir may take to become ready
	stopGrace    = 30 * time.Second // fast shutdown before escalating to an immediate one
	killGrace    = 5 * time.Second  // immediate shutdown before SIGKILL, and SIGKILL before giving up
)

// defaultPort names the socket file (.s.PGSQL.5432); with listen_addresses=” it opens no TCP port.
const defaultPort = 5432

// Options says where and how to run a cluster.
type Options struct {
	// Dir is the cluster root: data in Dir/data, the unix socket in Dir/run (created 0700 as
	// needed, or a short private directory under /tmp when Dir/run is too long for a socket
	// path) and the server log of the current run in Dir/postgres.log.
	Dir string
	// Ephemeral tunes the cluster for throwaway test data: initdb --no-sync, fsync=off,
	// synchronous_commit=off, full_page_writes=off. Stop and a failed Start remove Dir, so Dir
	// must belong to the cluster alone.
	Ephemeral bool
	// Settings are extra server settings passed as `-c name=value` on every start, for example
	// {"max_connections": "200"}. They are not written to postgresql.conf.
	Settings map[string]string
	// Logger receives life-cycle messages; nil discards them.
	Logger *slog.Logger
}

// Cluster is a running PostgreSQL server, started by this process or attached to. Its methods
// are safe for concurrent use.
type Cluster struct {
	dir       string
	dataDir   string
	sockDir   string
	port      int
	ephemeral bool
	tmpSock   bool    // sockDir is a short directory under /tmp that Stop removes
	srv       *server // nil when attached: another process owns the server
	log       *slog.Logger

	stopOnce sync.Once
	stopErr  error
}

// Start starts the cluster in o.Dir, running initdb first when the data directory is new, or
// attaches to the postgres already serving that data directory (then Stop leaves it running).
// Missing server binaries are installed with Install. ctx bounds the start-up only: the server
// runs until Stop or until this process exits. A failed start returns an error holding the tail
// of the server log.
func Start(ctx context.Context, o Options) (*Cluster, error) {
	if o.Dir == "" {
		return nil, errors.New("pgcluster: start: Options.Dir is empty")
	}
	dir, err := filepath.Abs(o.Dir)
	if err != nil {
		return nil, fmt.Errorf("pgcluster: start: %w", err)
	}
	c := &Cluster{dir: dir, dataDir: filepath.Join(dir, "data"), port: defaultPort,
		ephemeral: o.Ephemeral, log: o.Logger}
	if c.log == nil {
		c.log = slog.New(slog.DiscardHandler)
	}
	attached, err := c.attach(ctx)
	if err != nil {
		return nil, fmt.Errorf("pgcluster: start %s: %w", dir, err)
	}
	if attached {
		c.log.Info("pgcluster: attached to running postgres", "dir", dir, "socket_dir", c.sockDir)
		return c, nil
	}
	if err := c.launch(ctx, o); err != nil {
		if c.tmpSock {
			_ = os.Remove(c.sockDir)
		}
		if o.Ephemeral {
			err = errors.Join(err, os.RemoveAll(dir))
		}
		return nil, fmt.Errorf("pgcluster: start %s: %w", dir, err)
	}
	return c, nil
}

// launch prepares the directories, runs initdb on first use and starts the server.
func (c *Cluster) launch(ctx context.Context, o Options) error {
	bin, err := c.binaries(ctx)
	if err != nil {
		return err
	}
	acct, err := runAccount()
	if err != nil {
		return err
	}
	if err := c.makeDirs(acct); err != nil {
		return err
	}
	if !initialized(c.dataDir) {
		start := time.Now()
		if err := initdb(ctx, bin, acct, c.dir, c.dataDir, o.Ephemeral); err != nil {
			return withHint(err, acct, c.dir)
		}
		c.log.Info("pgcluster: initdb done", "dir", c.dir, "elapsed", time.Since(start))
	}
	start := time.Now()
	c.srv, err = startServer(ctx, bin, acct, c.dataDir, c.settings(o))
	if err != nil {
		return withHint(err, acct, c.dir)
	}
	c.log.Info("pgcluster: postgres ready", "dir", c.dir, "pid", c.srv.pid(),
		"socket_dir", c.sockDir, "elapsed", time.Since(start))
	return nil
}

// binaries locates the server binaries, preferring the version that created an existing data
// directory, and installs them when there are none.
func (c *Cluster) binaries(ctx context.Context) (string, error) {
	if dir, ok := binariesForVersion(c.dataDir); ok {
		return dir, nil
	}
	if dir, err := Binaries(); err == nil {
		return dir, nil
	}
	if err := Install(ctx, c.log); err != nil {
		return "", err
	}
	return Binaries()
}

// settings are the server's -c arguments: the socket-only listener and the settings of the mode
// and of the caller.
func (c *Cluster) settings(o Options) []string {
	set := map[string]string{
		"listen_addresses":        "",
		"unix_socket_directories": quoteListItem(c.sockDir),
		"port":                    fmt.Sprint(c.port),
	}
	if o.Ephemeral {
		set["fsync"], set["synchronous_commit"], set["full_page_writes"] = "off", "off", "off"
	}
	for k, v := range o.Settings {
		set[k] = v
	}
	var args []string
	for _, k := range slices.Sorted(maps.Keys(set)) {
		args = append(args, "-c", k+"="+set[k])
	}
	return args
}

// DSN returns a keyword/value connection string for user and dbname over the cluster's unix
// socket, with sslmode=disable.
func (c *Cluster) DSN(user, dbname string) string {
	return fmt.Sprintf("host=%s port=%d user=%s dbname=%s sslmode=disable",
		quoteDSN(c.sockDir), c.port, quoteDSN(user), quoteDSN(dbname))
}

// SocketDir returns the directory holding the server's unix socket.
func (c *Cluster) SocketDir() string { return c.sockDir }

// Stop shuts the server down if this process started it: a fast shutdown (SIGINT), escalated to
// an immediate one and then SIGKILL on timeout. A postgres that was restarted behind our back on
// the same data directory (a new postmaster pid in postmaster.pid) is stopped the same way. An ephemeral cluster's directory is removed.
// Stop on an attached cluster does nothing. Stop is idempotent and safe after the server exited.
func (c *Cluster) Stop() error {
	c.stopOnce.Do(func() { c.stopErr = c.stop() })
	return c.stopErr
}

func (c *Cluster) stop() error {
	if c.srv == nil {
		return nil
	}
	start := time.Now()
	err := c.srv.shutdown()
	// A postgres restarted behind our back (pg_ctl restart, a crash and a manual start) serves our
	// data directory under a new pid that is not our child: stop that one too.
	err = errors.Join(err, stopSuccessor(c.dataDir, c.srv.pid()))
	if c.tmpSock {
		_ = os.Remove(c.sockDir) // empty once the server is gone; a leftover is harmless
	}
	if c.ephemeral {
		err = errors.Join(err, os.RemoveAll(c.dir))
	}
	if err != nil {
		return fmt.Errorf("pgcluster: stop %s: %w", c.dir, err)
	}
	c.log.Info("pgcluster: postgres stopped", "dir", c.dir, "elapsed", time.Since(start))
	return nil
}

// quoteDSN quotes a keyword/value connection-string value when it needs it.
func quoteDSN(v string) string {
	if v != "" && !strings.ContainsAny(v, ` '\`+"\t\n") {
		return v
	}
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(v) + "'"
}

// quoteListItem double-quotes an item of a list setting (unix_socket_directories) when it
// contains a separator or a quote.
func quoteListItem(v string) string {
	if !strings.ContainsAny(v, ", \t\"") {
		return v
	}
	return `"` + strings.ReplaceAll(v, `"`, `""`) + `"`
}
