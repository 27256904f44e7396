package app

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/tenantry/tenantry/internal/auth"
)

// hashingMetrics are the password hasher's queue figures, read at scrape time: how many hashes
// (sign-ins, registrations, password changes) found every slot taken and waited, and how many of
// them waited the queue timeout in vain and were answered 503 with Retry-After.
func hashingMetrics(h *auth.Hasher) []prometheus.Collector {
	return []prometheus.Collector{
		prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "tenantry_password_hashes_queued_total",
			Help: "Password hashes (sign-in, registration, password change) that found every hashing slot taken and waited for one.",
		}, func() float64 { return float64(h.Stats().Queued) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "tenantry_password_hashes_refused_total",
			Help: "Password hashes refused after waiting the queue timeout for a slot: answered 503 with Retry-After, nothing changed.",
		}, func() float64 { return float64(h.Stats().Refused) }),
	}
}
