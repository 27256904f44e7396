package ratelimit

import "github.com/prometheus/client_golang/prometheus"

// Metrics are the rate limiter's Prometheus figures. Labels are policy names, never keys or
// tenants (their number is unbounded). A nil *Metrics counts nothing.
type Metrics struct {
	decisions   *prometheus.CounterVec
	storeErrors prometheus.Counter
	degraded    prometheus.Gauge
}

// NewMetrics returns unregistered metrics; register them with Collectors.
func NewMetrics() *Metrics {
	return &Metrics{
		decisions: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "tenantry_ratelimit_decisions_total", Help: "Rate-limit decisions by policy and outcome (allowed, limited).",
		}, []string{"policy", "outcome"}),
		storeErrors: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "tenantry_ratelimit_store_errors_total", Help: "Failed calls to the shared rate-limit store (Redis), answered from memory instead.",
		}),
		degraded: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "tenantry_ratelimit_degraded", Help: "1 while the shared rate-limit store is unreachable and limits are kept per instance.",
		}),
	}
}

// Collectors returns the metrics to register.
func (m *Metrics) Collectors() []prometheus.Collector {
	if m == nil {
		return nil
	}
	return []prometheus.Collector{m.decisions, m.storeErrors, m.degraded}
}

func (m *Metrics) decided(policy string, allowed bool) {
	if m == nil {
		return
	}
	outcome := "allowed"
	if !allowed {
		outcome = "limited"
	}
	m.decisions.WithLabelValues(policy, outcome).Inc()
}

func (m *Metrics) storeFailed() {
	if m != nil {
		m.storeErrors.Inc()
	}
}

func (m *Metrics) setDegraded(on bool) {
	if m == nil {
		return
	}
	v := 0.0
	if on {
		v = 1
	}
	m.degraded.Set(v)
}
