// Command abload compares two running builds of the server on the same database: it sends the
// same request to each in alternating slices (A then B, then B then A, …) and reports, per server,
// requests per second and the server's CPU time per request read from /proc/<pid>/stat. Drifting
// load on a shared machine falls on both sides alike, which two separate `make bench` runs cannot
// promise. docs/performance.md ("Comparing two builds") shows how to start the two servers.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tenantry/tenantry/internal/bench"
)

func main() {
	if err := run(os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "abload:", err)
		os.Exit(1)
	}
}

// side is one server under comparison and what it has served so far.
type side struct {
	url      string
	pid      int
	requests int64
	cpu      time.Duration // CPU time of the server process
	seconds  float64
}

func run(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("abload", flag.ContinueOnError)
	urlA := fs.String("a", "", "URL of the request on server A")
	urlB := fs.String("b", "", "URL of the request on server B")
	pidA := fs.Int("pid-a", 0, "process id of server A")
	pidB := fs.Int("pid-b", 0, "process id of server B")
	cred := fs.String("credential", "", "an API key (tnr_key_…) or an access token, sent with every request")
	pairs := fs.Int("pairs", 12, "pairs of slices")
	slice := fs.Duration("slice", 8*time.Second, "length of one slice")
	conc := fs.Int("c", 8, "concurrent clients")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *urlA == "" || *urlB == "" || *pidA <= 0 || *pidB <= 0 || *cred == "" {
		return errors.New("-a, -b, -pid-a, -pid-b and -credential are required")
	}
	sides := [2]*side{{url: *urlA, pid: *pidA}, {url: *urlB, pid: *pidB}}
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: *conc}}
	ratios := make([]float64, 0, *pairs) // A's rate ÷ B's, by pair
	for p := 0; p < *pairs; p++ {
		var rate [2]float64
		for j := range 2 {
			i := j ^ (p % 2) // A first in even pairs, B first in odd ones
			r, err := sides[i].measure(client, *cred, *slice, *conc)
			if err != nil {
				return err
			}
			rate[i] = r
		}
		ratios = append(ratios, rate[0]/rate[1])
	}
	slices.Sort(ratios)
	for i, s := range sides {
		fmt.Fprintf(stdout, "server %c: %.0f req/s, %.0f µs server CPU per request (%d requests)\n", 'A'+i,
			float64(s.requests)/s.seconds, float64(s.cpu.Microseconds())/float64(s.requests), s.requests)
	}
	fmt.Fprintf(stdout, "A ÷ B by pair: median %.2f, range %.2f–%.2f over %d pairs\n",
		ratios[len(ratios)/2], ratios[0], ratios[len(ratios)-1], len(ratios))
	return nil
}

// measure sends requests from conc clients for d, adds what it saw to s and returns the rate; any
// answer but 200 fails the comparison.
func (s *side) measure(client *http.Client, cred string, d time.Duration, conc int) (float64, error) {
	before, err := bench.ProcessCPU(s.pid)
	if err != nil {
		return 0, err
	}
	var n atomic.Int64
	var failed atomic.Value
	began := time.Now()
	stop := began.Add(d)
	var wg sync.WaitGroup
	for range conc {
		wg.Go(func() {
			for time.Now().Before(stop) && failed.Load() == nil {
				if err := get(client, s.url, cred); err != nil {
					failed.Store(err)
					return
				}
				n.Add(1)
			}
		})
	}
	wg.Wait()
	if err, _ := failed.Load().(error); err != nil {
		return 0, err
	}
	after, err := bench.ProcessCPU(s.pid)
	if err != nil {
		return 0, err
	}
	s.requests += n.Load()
	s.cpu += after - before
	elapsed := time.Since(began).Seconds()
	s.seconds += elapsed
	return float64(n.Load()) / elapsed, nil
}

func get(client *http.Client, url, cred string) error {
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	if strings.HasPrefix(cred, "tnr_key_") {
		req.Header.Set("X-API-Key", cred)
	} else {
		req.Header.Set("Authorization", "Bearer "+cred)
	}
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if _, err := io.Copy(io.Discard, resp.Body); err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s: status %d", url, resp.StatusCode)
	}
	return nil
}
