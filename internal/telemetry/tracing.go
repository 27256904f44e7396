package telemetry

import (
	"context"
	"fmt"
	"net/url"
	"strings"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/noop"
)

// TracingConfig says where spans go. An empty Endpoint turns tracing off: the tracer provider is
// a no-op one, nothing is recorded and nothing is sent.
type TracingConfig struct {
	Endpoint    string // the OTLP/HTTP collector's base URL (http://collector:4318); "" for off
	ServiceName string // service.name of the spans; default "tenantry"
	Version     string // service.version
}

// Tracing builds the tracer provider of c: spans of the HTTP requests, database queries and jobs,
// batched and exported by OTLP/HTTP (protobuf) to c.Endpoint + "/v1/traces". shutdown flushes the
// spans still buffered and stops the exporter; the server calls it last on its way down.
func Tracing(ctx context.Context, c TracingConfig) (tp trace.TracerProvider, shutdown func(context.Context) error, err error) {
	if c.Endpoint == "" {
		return noop.NewTracerProvider(), func(context.Context) error { return nil }, nil
	}
	u, err := TracesURL(c.Endpoint)
	if err != nil {
		return nil, nil, err
	}
	exp, err := otlptracehttp.New(ctx, otlptracehttp.WithEndpointURL(u))
	if err != nil {
		return nil, nil, fmt.Errorf("telemetry: otlp exporter: %w", err)
	}
	name := c.ServiceName
	if name == "" {
		name = "tenantry"
	}
	res := resource.NewSchemaless(attribute.String("service.name", name), attribute.String("service.version", c.Version))
	p := sdktrace.NewTracerProvider(sdktrace.WithBatcher(exp), sdktrace.WithResource(res))
	return p, p.Shutdown, nil
}

// TracesURL is the OTLP/HTTP traces URL of a collector's base URL: http://collector:4318 becomes
// http://collector:4318/v1/traces (as for OTEL_EXPORTER_OTLP_ENDPOINT); a URL already ending in
// /v1/traces is kept.
func TracesURL(endpoint string) (string, error) {
	u, err := url.Parse(endpoint)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", fmt.Errorf("telemetry: OTLP endpoint %q: want an http(s) URL such as http://collector:4318", endpoint)
	}
	if !strings.HasSuffix(u.Path, "/v1/traces") {
		u.Path = strings.TrimSuffix(u.Path, "/") + "/v1/traces"
	}
	return u.String(), nil
}

// Propagator reads and writes the W3C traceparent header, so a request's span joins the trace of
// a caller that sent one.
var Propagator propagation.TextMapPropagator = propagation.TraceContext{}

// Enabled reports whether tp records spans (false for nil and the no-op provider): callers skip
// installing their tracing hooks then, so tracing off costs nothing.
func Enabled(tp trace.TracerProvider) bool {
	if tp == nil {
		return false
	}
	_, noopTP := tp.(noop.TracerProvider)
	return !noopTP
}
