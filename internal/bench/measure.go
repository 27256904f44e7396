package bench

import (
	"os"
	"slices"
	"sync"
	"time"
)

// Scenario kinds.
const (
	kindAPI     = "api"
	kindPgbench = "pgbench"
)

// result is one scenario's figures, over all its rounds.
type result struct {
	Name, Title, Kind string
	Rates             []float64 // requests (transactions) per second of each round
	Requests, Errors  int64
	FirstError        string
	Elapsed           time.Duration
	ServerCPU         time.Duration // the tenantry process (API scenarios only)
	PostgresCPU       time.Duration // the postmaster and its backends
	ClientCPU         time.Duration // the load generator: this process, or pgbench
	MachineBusy       time.Duration // CPU time of the whole machine
	ServerRSSMax      int64         // the highest VmRSS sampled while the scenario ran (API only)
	latencies         []time.Duration
}

// rate is the mean rate of the rounds.
func (r *result) rate() float64 {
	if len(r.Rates) == 0 {
		return 0
	}
	sum := 0.0
	for _, x := range r.Rates {
		sum += x
	}
	return sum / float64(len(r.Rates))
}

// quantile returns the latency below which a fraction q of all requests completed.
func (r *result) quantile(q float64) time.Duration {
	if len(r.latencies) == 0 {
		return 0
	}
	if !slices.IsSorted(r.latencies) {
		slices.Sort(r.latencies)
	}
	return r.latencies[int(q*float64(len(r.latencies)-1)+0.5)]
}

// cores turns a CPU time over the result's elapsed time into CPUs kept busy.
func (r *result) cores(cpu time.Duration) float64 {
	if r.Elapsed <= 0 {
		return 0
	}
	return cpu.Seconds() / r.Elapsed.Seconds()
}

// usage is what a meter measured over one window.
type usage struct {
	elapsed                  time.Duration
	server, postgres, client time.Duration
	machine                  time.Duration
	rssMax                   int64
}

// meter measures the CPU time of the server, PostgreSQL, this process and the machine over one
// window, and samples the server's resident set size every 100 ms. A server pid of 0 means no
// server is measured.
type meter struct {
	serverPID, postgresPID int
	start                  time.Time
	at                     usage // the counters at the start
	busy0                  int64
	stopRSS                chan struct{}
	wg                     sync.WaitGroup
	rssMax                 int64
}

func startMeter(serverPID, postgresPID int) *meter {
	m := &meter{serverPID: serverPID, postgresPID: postgresPID, stopRSS: make(chan struct{})}
	m.at = m.read()
	m.busy0, _, _ = machineCPU()
	m.start = time.Now()
	if serverPID != 0 {
		m.wg.Go(m.sampleRSS)
	}
	return m
}

// read returns the cumulative CPU counters now (errors leave zeros: a figure of 0 is then shown).
func (m *meter) read() usage {
	var u usage
	if m.serverPID != 0 {
		u.server, _ = ProcessCPU(m.serverPID)
	}
	u.postgres, _ = treeCPU(m.postgresPID)
	u.client, _ = ProcessCPU(os.Getpid())
	return u
}

func (m *meter) sampleRSS() {
	t := time.NewTicker(100 * time.Millisecond)
	defer t.Stop()
	for {
		if rss, _, err := memory(m.serverPID); err == nil {
			m.rssMax = max(m.rssMax, rss)
		}
		select {
		case <-m.stopRSS:
			return
		case <-t.C:
		}
	}
}

// stop ends the window and returns what it measured.
func (m *meter) stop() usage {
	elapsed := time.Since(m.start)
	end := m.read()
	busy, _, _ := machineCPU()
	close(m.stopRSS)
	m.wg.Wait()
	return usage{elapsed: elapsed, server: end.server - m.at.server, postgres: end.postgres - m.at.postgres,
		client: end.client - m.at.client, machine: ticks(busy - m.busy0), rssMax: m.rssMax}
}

// add records one round's usage.
func (r *result) add(u usage) {
	r.Elapsed += u.elapsed
	r.ServerCPU += u.server
	r.PostgresCPU += u.postgres
	r.ClientCPU += u.client
	r.MachineBusy += u.machine
	r.ServerRSSMax = max(r.ServerRSSMax, u.rssMax)
}
