package httpapi

import (
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/tenantry/tenantry/internal/postgres"
	"github.com/tenantry/tenantry/internal/telemetry"
)

// metrics are the server's Prometheus figures. Labels are operation ids, never tenant ids (their
// number is unbounded, and a tenant's traffic is not another tenant's business).
type metrics struct {
	reg      *prometheus.Registry
	refresh  []telemetry.Refresher // read at each scrape, with its context
	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec
}

func newMetrics(pools func() []postgres.PoolStats) *metrics {
	m := &metrics{
		reg: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "tenantry_http_requests_total", Help: "HTTP requests by operation, method and status.",
		}, []string{"operation", "method", "status"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "tenantry_http_request_duration_seconds", Help: "HTTP request latency by operation.",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5},
		}, []string{"operation"}),
	}
	m.reg.MustRegister(m.requests, m.latency, collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	if pools != nil {
		m.reg.MustRegister(&poolCollector{stats: pools})
	}
	return m
}

func (m *metrics) observe(op, method string, status int, d time.Duration) {
	m.requests.WithLabelValues(op, method, strconv.Itoa(status)).Inc()
	m.latency.WithLabelValues(op).Observe(d.Seconds())
}

// register adds collectors; a telemetry.Refresher is refreshed at each scrape.
func (m *metrics) register(cs ...prometheus.Collector) {
	m.reg.MustRegister(cs...)
	for _, c := range cs {
		if r, ok := c.(telemetry.Refresher); ok {
			m.refresh = append(m.refresh, r)
		}
	}
}

func (m *metrics) handler() http.Handler {
	h := promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		for _, c := range m.refresh {
			c.Refresh(r.Context())
		}
		h.ServeHTTP(w, r)
	})
}

var (
	poolConns    = prometheus.NewDesc("tenantry_db_pool_connections", "Database pool connections by role and state.", []string{"role", "state"}, nil)
	poolMax      = prometheus.NewDesc("tenantry_db_pool_max_connections", "Database pool size limit by role.", []string{"role"}, nil)
	poolAcquires = prometheus.NewDesc("tenantry_db_pool_acquires_total", "Connections acquired from the pool by role.", []string{"role"}, nil)
	poolWaits    = prometheus.NewDesc("tenantry_db_pool_empty_acquires_total", "Acquires that had to wait for a connection, by role.", []string{"role"}, nil)
	poolWait     = prometheus.NewDesc("tenantry_db_pool_acquire_seconds_total", "Time spent acquiring connections, by role.", []string{"role"}, nil)
)

// poolCollector reports the database pools' statistics at scrape time.
type poolCollector struct{ stats func() []postgres.PoolStats }

func (c *poolCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{poolConns, poolMax, poolAcquires, poolWaits, poolWait} {
		ch <- d
	}
}

func (c *poolCollector) Collect(ch chan<- prometheus.Metric) {
	for _, s := range c.stats() {
		ch <- prometheus.MustNewConstMetric(poolConns, prometheus.GaugeValue, float64(s.Idle), s.Role, "idle")
		ch <- prometheus.MustNewConstMetric(poolConns, prometheus.GaugeValue, float64(s.Acquired), s.Role, "acquired")
		ch <- prometheus.MustNewConstMetric(poolMax, prometheus.GaugeValue, float64(s.Max), s.Role)
		ch <- prometheus.MustNewConstMetric(poolAcquires, prometheus.CounterValue, float64(s.AcquireCount), s.Role)
		ch <- prometheus.MustNewConstMetric(poolWaits, prometheus.CounterValue, float64(s.EmptyAcquireCount), s.Role)
		ch <- prometheus.MustNewConstMetric(poolWait, prometheus.CounterValue, s.AcquireDuration.Seconds(), s.Role)
	}
}
