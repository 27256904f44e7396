// Package telemetry holds Tenantry's operational figures that are not the HTTP layer's own: the
// event counters other packages increment (ingest, webhook deliveries), the build information,
// collectors that read the job queue and the outboxes at scrape time, and the OpenTelemetry
// tracing set-up (tracing.go). The HTTP server registers Collectors on the metrics listener.
//
// Labels never carry tenant ids (their number is unbounded, and one tenant's traffic is not
// another's business), and every label value is from a closed set.
package telemetry

import (
	"context"
	"runtime"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// The event counters. They are package-level so any package can count without being handed a
// registry; Collectors registers them once per registry.
var (
	webhookDeliveries = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "tenantry_webhook_deliveries_total",
		Help: "Outbound webhook delivery attempts by outcome (delivered, failed, timeout, disabled).",
	}, []string{"outcome"})
	ingestUplinks = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "tenantry_ingest_events_total",
		Help: "Accepted ingest events by result (stored, duplicate, orphan, ignored).",
	}, []string{"result"})
	ingestRejected = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "tenantry_ingest_rejected_total",
		Help: "Refused ingest events by reason (the error kind: invalid, unauthorized, ...).",
	}, []string{"reason"})
)

// Webhook delivery outcomes, the values of tenantry_webhook_deliveries_total{outcome}.
const (
	WebhookDelivered = "delivered" // the receiver answered 2xx
	WebhookFailed    = "failed"    // a non-2xx answer or a refused connection: retried
	WebhookTimeout   = "timeout"   // no answer in time: retried
	WebhookDisabled  = "disabled"  // the endpoint was disabled after repeated failure
)

// WebhookDelivery counts one webhook delivery attempt with its outcome (one of the Webhook*
// constants).
func WebhookDelivery(outcome string) { webhookDeliveries.WithLabelValues(outcome).Inc() }

// IngestAccepted counts one ingest event that was accepted, by result (stored, duplicate, orphan,
// ignored).
func IngestAccepted(result string) { ingestUplinks.WithLabelValues(result).Inc() }

// IngestRejected counts one ingest event that was refused, by reason (an error kind's name).
func IngestRejected(reason string) { ingestRejected.WithLabelValues(reason).Inc() }

// Counters returns the event counters, to register on a registry.
func Counters() []prometheus.Collector {
	return []prometheus.Collector{webhookDeliveries, ingestUplinks, ingestRejected}
}

// BuildInfo returns tenantry_build_info{version,revision,goversion} 1.
func BuildInfo(version, revision string) prometheus.Collector {
	g := prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "tenantry_build_info", Help: "The running build: version, VCS revision and Go version (always 1).",
		ConstLabels: prometheus.Labels{"version": version, "revision": revision, "goversion": runtime.Version()},
	})
	g.Set(1)
	return g
}

// scrapeTimeout bounds each query a collector runs at scrape time.
const scrapeTimeout = 2 * time.Second

// Counts reads a set of labelled counts at scrape time (the job queue by kind and state, an outbox
// by state).
type Counts func(ctx context.Context) ([]Count, error)

// Count is one labelled figure.
type Count struct {
	Labels []string
	Value  float64
}

// Gauges reports a Counts as a gauge. The metrics handler calls Refresh with the scrape request's
// context before it collects (see Refresher), so the read happens at scrape time and is bounded by
// the scrape and a short timeout; a failed read reports nothing and counts the failure.
type Gauges struct {
	desc   *prometheus.Desc
	read   Counts
	errors prometheus.Counter
	mu     sync.Mutex
	last   []Count
}

// Refresher is a collector whose figures are read by Refresh at scrape time.
type Refresher interface {
	prometheus.Collector
	Refresh(ctx context.Context)
}

// NewGauges returns a collector that reports the counts read returns as the gauge name with the
// labels. Failed reads are counted in name_scrape_errors_total.
func NewGauges(name, help string, labels []string, read Counts) *Gauges {
	return &Gauges{
		desc: prometheus.NewDesc(name, help, labels, nil), read: read,
		errors: prometheus.NewCounter(prometheus.CounterOpts{Name: name + "_scrape_errors_total", Help: "Failed reads of " + name + "."}),
	}
}

// Refresh reads the counts now (a failed read leaves none).
func (c *Gauges) Refresh(ctx context.Context) {
	ctx, cancel := context.WithTimeout(ctx, scrapeTimeout)
	defer cancel()
	counts, err := c.read(ctx)
	if err != nil {
		c.errors.Inc()
		counts = nil
	}
	c.mu.Lock()
	c.last = counts
	c.mu.Unlock()
}

// Describe implements prometheus.Collector.
func (c *Gauges) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.desc
	c.errors.Describe(ch)
}

// Collect implements prometheus.Collector: the counts of the last Refresh.
func (c *Gauges) Collect(ch chan<- prometheus.Metric) {
	c.mu.Lock()
	last := c.last
	c.mu.Unlock()
	for _, n := range last {
		ch <- prometheus.MustNewConstMetric(c.desc, prometheus.GaugeValue, n.Value, n.Labels...)
	}
	c.errors.Collect(ch)
}

// Join returns the counts of every read in turn (one gauge fed by several packages' outboxes).
// A failed read fails the whole scrape of the gauge.
func Join(reads ...Counts) Counts {
	return func(ctx context.Context) ([]Count, error) {
		var out []Count
		for _, r := range reads {
			c, err := r(ctx)
			if err != nil {
				return nil, err
			}
			out = append(out, c...)
		}
		return out, nil
	}
}
