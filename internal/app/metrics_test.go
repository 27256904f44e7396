package app_test

import (
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/tenantry/tenantry/internal/telemetry"
	"github.com/tenantry/tenantry/internal/testkit/apitest"
)

// TestOperationalMetrics: the metrics listener reports the build, River jobs by kind and state and
// the outboxes' depth read from the database at scrape time, and the event counters other
// packages increment.
func TestOperationalMetrics(t *testing.T) {
	t.Parallel()
	s := apitest.Start(t) // no background workers: queued mail stays queued
	s.Register("mia")     // queues the verification mail: an outbox message and its job
	telemetry.WebhookDelivery(telemetry.WebhookDelivered)
	m := s.Metrics()
	for _, want := range []string{
		`tenantry_build_info{goversion="go`,
		`tenantry_webhook_deliveries_total{outcome="delivered"}`,
		`tenantry_outbox_messages{outbox="display_downlink",state="pending"} 0`,
		`tenantry_outbox_messages{outbox="mail",state="dead"} 0`,
	} {
		if !strings.Contains(m, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
	if n := gauge(t, m, `tenantry_jobs{kind="mail.deliver",state="available"}`); n < 1 {
		t.Errorf("queued mail jobs: %v, want at least 1\n%s", n, m)
	}
	if n := gauge(t, m, `tenantry_outbox_messages{outbox="mail",state="pending"}`); n < 1 {
		t.Errorf("pending mail: %v, want at least 1", n)
	}
	if strings.Contains(m, "_scrape_errors_total 1") {
		t.Errorf("a scrape-time read failed:\n%s", m)
	}
}

// gauge returns the value of the series named exactly so in the exposition text m.
func gauge(t *testing.T, m, series string) float64 {
	t.Helper()
	re := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(series) + ` (\S+)$`)
	g := re.FindStringSubmatch(m)
	if g == nil {
		return -1
	}
	v, err := strconv.ParseFloat(g[1], 64)
	if err != nil {
		t.Fatal(err)
	}
	return v
}
