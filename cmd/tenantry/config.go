package main

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"go.opentelemetry.io/otel/trace"

	"github.com/tenantry/tenantry/internal/app"
	"github.com/tenantry/tenantry/internal/auth"
	"github.com/tenantry/tenantry/internal/httpapi"
	"github.com/tenantry/tenantry/internal/platform/mail"
	"github.com/tenantry/tenantry/internal/platform/ratelimit"
	"github.com/tenantry/tenantry/internal/platform/secretbox"
	"github.com/tenantry/tenantry/internal/platform/webhooks/endpoints"
	"github.com/tenantry/tenantry/internal/postgres"
	"github.com/tenantry/tenantry/internal/products/flows"
	"github.com/tenantry/tenantry/internal/products/parking"
	"github.com/tenantry/tenantry/internal/telemetry"
)

// config is the whole configuration, built once in cmd from the environment. Every field has a
// documented default (see vars) and Validate says what is wrong in terms of the variable names.
type config struct {
	Addr            string        // TENANTRY_ADDR
	MetricsAddr     string        // TENANTRY_METRICS_ADDR
	DatabaseURL     string        // DATABASE_URL: the application role
	SystemURL       string        // DATABASE_SYSTEM_URL: the system role (registered cross-tenant queries)
	OwnerURL        string        // DATABASE_OWNER_URL: the owner role (migrations)
	DataDir         string        // TENANTRY_DATA_DIR: the embedded database and dev secrets
	UploadsDir      string        // TENANTRY_UPLOADS_DIR: the file store of uploads; "" = TENANTRY_DATA_DIR/uploads
	JWTKey          string        // TENANTRY_JWT_KEY: base64, at least 32 bytes
	JWTPreviousKey  string        // TENANTRY_JWT_PREVIOUS_KEY: still accepted during a rotation
	SecretKey       string        // TENANTRY_SECRET_KEY: base64, 32 bytes; seals secrets at rest (TOTP secrets, SSO client secrets, ChirpStack API tokens)
	AccessTTL       time.Duration // TENANTRY_ACCESS_TTL
	RefreshTTL      time.Duration // TENANTRY_REFRESH_TTL
	MaxBodyBytes    int64         // TENANTRY_MAX_BODY_BYTES
	DBMaxConns      int32         // TENANTRY_DB_MAX_CONNS
	DrainDelay      time.Duration // TENANTRY_DRAIN_DELAY
	ShutdownTimeout time.Duration // TENANTRY_SHUTDOWN_TIMEOUT
	LogLevel        slog.Level    // TENANTRY_LOG_LEVEL
	PublicURL       string        // TENANTRY_PUBLIC_URL
	SMTPAddr        string        // TENANTRY_SMTP_ADDR
	SMTPFrom        string        // TENANTRY_SMTP_FROM
	SMTPUsername    string        // TENANTRY_SMTP_USERNAME
	SMTPPassword    string        // TENANTRY_SMTP_PASSWORD
	CORSOrigins     []string      // TENANTRY_CORS_ORIGINS
	SMTPTLS         mail.TLSMode  // TENANTRY_SMTP_TLS
	SMTPConnect     time.Duration // TENANTRY_SMTP_CONNECT_TIMEOUT
	SMTPSend        time.Duration // TENANTRY_SMTP_SEND_TIMEOUT

	RedisURL   string                     // REDIS_URL: the shared rate-limit store; unset: per instance
	RateLimits map[string]ratelimit.Limit // TENANTRY_RATE_LIMITS: limits by policy

	StreamMaxPerTenant int           // TENANTRY_STREAM_MAX_PER_TENANT: open live streams per tenant and instance
	StreamHeartbeat    time.Duration // TENANTRY_STREAM_HEARTBEAT: comment-line interval of the live stream

	WebhookAllowPrivate bool          // TENANTRY_WEBHOOK_ALLOW_PRIVATE: endpoints on loopback and private addresses
	WebhookTimeout      time.Duration // TENANTRY_WEBHOOK_TIMEOUT: one delivery attempt
	WebhookDisableAfter int           // TENANTRY_WEBHOOK_DISABLE_AFTER: consecutive failures that disable an endpoint

	UploadMaxBytes int64         // TENANTRY_UPLOAD_MAX_BYTES: the largest session upload
	AIProvider     string        // TENANTRY_AI_PROVIDER: local (offline) or openai
	AIBaseURL      string        // TENANTRY_AI_BASE_URL: the OpenAI-compatible API
	AIAPIKey       string        // TENANTRY_AI_API_KEY: its bearer token
	AIModel        string        // TENANTRY_AI_MODEL: the model asked
	AITimeout      time.Duration // TENANTRY_AI_TIMEOUT: for a reply to start, and between its pieces

	OTLPEndpoint    string // TENANTRY_OTLP_ENDPOINT (or OTEL_EXPORTER_OTLP_ENDPOINT): the trace collector; unset: no tracing
	OTLPServiceName string // TENANTRY_OTLP_SERVICE_NAME: service.name of the spans

	// Tracer is the tracer provider serve builds from OTLPEndpoint (nil: none), not a variable.
	Tracer trace.TracerProvider
}

// configVar documents one environment variable.
type configVar struct{ name, def, doc string }

var vars = []configVar{
	{"TENANTRY_ADDR", "127.0.0.1:8080", "address the API listens on"},
	{"TENANTRY_METRICS_ADDR", "127.0.0.1:9090", "address of the Prometheus /metrics listener, apart from the API's (keep it private); off: no metrics"},
	{"DATABASE_URL", "", "application-role connection string; unset with `dev`: a private PostgreSQL under TENANTRY_DATA_DIR"},
	{"DATABASE_SYSTEM_URL", "", "system-role connection string, used only by registered cross-tenant queries"},
	{"DATABASE_OWNER_URL", "", "owner-role connection string, used by `migrate` (and by `serve --migrate`)"},
	{"TENANTRY_DATA_DIR", ".tenantry", "where `dev` keeps its database cluster and development secrets"},
	{"TENANTRY_JWT_KEY", "", "base64 HS256 key (>= 32 bytes) signing access tokens; `dev` generates one"},
	{"TENANTRY_JWT_PREVIOUS_KEY", "", "previous key, still accepted while tokens signed with it may be alive"},
	{"TENANTRY_SECRET_KEY", "", "base64 AES-256 key (32 bytes) sealing secrets at rest (TOTP secrets, SSO client secrets, ChirpStack API tokens); `dev` generates one"},
	{"TENANTRY_ACCESS_TTL", "10m", "access-token lifetime"},
	{"TENANTRY_REFRESH_TTL", "720h", "refresh-token lifetime"},
	{"TENANTRY_MAX_BODY_BYTES", "1048576", "request body limit in bytes"},
	{"TENANTRY_DB_MAX_CONNS", "0", "connections per database role pool; 0 = max(4, CPUs)"},
	{"TENANTRY_DRAIN_DELAY", "5s", "on SIGTERM, how long readiness answers 503 (and responses close their connections) before the listener closes; `dev` and `demo`: 0s unless set"},
	{"TENANTRY_SHUTDOWN_TIMEOUT", "30s", "how long in-flight requests may take to finish on shutdown"},
	{"TENANTRY_LOG_LEVEL", "info", "debug, info, warn or error"},
	{"TENANTRY_PUBLIC_URL", "", "base URL of the API as users reach it (every link in e-mail, the SSO callback); unset: http:// and TENANTRY_ADDR (a wildcard host as 127.0.0.1)"},
	{"TENANTRY_SMTP_ADDR", "", "SMTP server host:port for e-mail; unset: messages are written to TENANTRY_DATA_DIR/mail"},
	{"TENANTRY_SMTP_FROM", "tenantry@localhost", "sender address of e-mail"},
	{"TENANTRY_SMTP_USERNAME", "", "SMTP PLAIN authentication user (optional)"},
	{"TENANTRY_SMTP_PASSWORD", "", "SMTP PLAIN authentication password (optional)"},
	{"TENANTRY_CORS_ORIGINS", "", "origins (scheme://host[:port], comma-separated) whose browser pages may call the API; unset: no CORS headers"},
	{"TENANTRY_SMTP_TLS", "opportunistic", "SMTP encryption: opportunistic (STARTTLS when offered), mandatory (STARTTLS required), none, or implicit (TLS from the first byte, port 465)"},
	{"TENANTRY_SMTP_CONNECT_TIMEOUT", "10s", "how long connecting to the SMTP server (and an implicit-TLS handshake) may take"},
	{"TENANTRY_SMTP_SEND_TIMEOUT", "30s", "how long the SMTP server may take for each step of sending a message; a failed send is retried by its job"},
	{"REDIS_URL", "", "Redis for rate limits shared by all instances (redis://, rediss:// or unix:///path); unset: each instance limits on its own"},
	{"TENANTRY_STREAM_MAX_PER_TENANT", "20", "open live occupancy streams (`/api/v1/sites/{id}/stream`) per tenant on one instance; more answer 429"},
	{"TENANTRY_STREAM_HEARTBEAT", "15s", "interval of the live stream's heartbeat comment lines"},
	{"TENANTRY_WEBHOOK_ALLOW_PRIVATE", "false", "`true` lets webhook endpoints and PSA sites use loopback, private and reserved addresses (and http:// to loopback): development and tests only"},
	{"TENANTRY_WEBHOOK_TIMEOUT", "10s", "how long one webhook delivery attempt may take, connection to response"},
	{"TENANTRY_WEBHOOK_DISABLE_AFTER", "20", "consecutive failed delivery attempts after which a webhook endpoint is disabled"},
	{"TENANTRY_UPLOADS_DIR", "", "directory of the files attached to flows sessions (created, mode 0700; exported and purged with their tenant); unset: TENANTRY_DATA_DIR/uploads"},
	{"TENANTRY_UPLOAD_MAX_BYTES", "10485760", "largest file attached to a flows session, in bytes (larger uploads answer 413)"},
	{"TENANTRY_AI_PROVIDER", "local", "the AI sessions' provider: `local` (offline and deterministic: replies from the problem and the tenant's matching published flows) or `openai` (an OpenAI-compatible chat completions API)"},
	{"TENANTRY_AI_BASE_URL", "", "openai: base URL of the API (requests go to {base}/v1/chat/completions); required with openai"},
	{"TENANTRY_AI_API_KEY", "", "openai: the API key, sent as a bearer token (optional for local servers)"},
	{"TENANTRY_AI_MODEL", "gpt-4o-mini", "openai: the model asked for completions"},
	{"TENANTRY_AI_TIMEOUT", "60s", "openai: how long a reply may take to start, and the longest pause between two of its pieces"},
	{"TENANTRY_OTLP_ENDPOINT", "", "OpenTelemetry collector (OTLP/HTTP base URL, e.g. http://collector:4318) receiving the traces of requests, queries and jobs; unset: OTEL_EXPORTER_OTLP_ENDPOINT, and if that is unset too, no tracing"},
	{"TENANTRY_OTLP_SERVICE_NAME", "tenantry", "service.name of the exported spans"},
	{"TENANTRY_RATE_LIMITS", defaultRateLimits(), "rate limits, POLICY=RATE/PERIOD[:BURST] separated by commas; policies left out keep their default"},
}

// defaultRateLimits is the default of TENANTRY_RATE_LIMITS, written out so `serve -h` shows it.
func defaultRateLimits() string {
	d := ratelimit.Defaults()
	out := make([]string, 0, len(ratelimit.Policies))
	for _, p := range ratelimit.Policies {
		out = append(out, p+"="+d[p].String())
	}
	return strings.Join(out, ",")
}

// loadConfig reads the environment, applying defaults.
func loadConfig(getenv func(string) string) (config, error) {
	get := func(name string) string {
		if v := strings.TrimSpace(getenv(name)); v != "" {
			return v
		}
		for _, v := range vars {
			if v.name == name {
				return v.def
			}
		}
		return ""
	}
	c := config{
		Addr: get("TENANTRY_ADDR"), MetricsAddr: get("TENANTRY_METRICS_ADDR"), DatabaseURL: get("DATABASE_URL"), SystemURL: get("DATABASE_SYSTEM_URL"),
		OwnerURL: get("DATABASE_OWNER_URL"), DataDir: get("TENANTRY_DATA_DIR"), UploadsDir: get("TENANTRY_UPLOADS_DIR"),
		JWTKey: get("TENANTRY_JWT_KEY"), JWTPreviousKey: get("TENANTRY_JWT_PREVIOUS_KEY"), SecretKey: get("TENANTRY_SECRET_KEY"),
		PublicURL: strings.TrimRight(get("TENANTRY_PUBLIC_URL"), "/"), SMTPAddr: get("TENANTRY_SMTP_ADDR"),
		SMTPFrom: get("TENANTRY_SMTP_FROM"), SMTPUsername: get("TENANTRY_SMTP_USERNAME"), SMTPPassword: get("TENANTRY_SMTP_PASSWORD"),
		OTLPEndpoint: get("TENANTRY_OTLP_ENDPOINT"), OTLPServiceName: get("TENANTRY_OTLP_SERVICE_NAME"),
		AIProvider: get("TENANTRY_AI_PROVIDER"), AIBaseURL: strings.TrimRight(get("TENANTRY_AI_BASE_URL"), "/"),
		AIAPIKey: get("TENANTRY_AI_API_KEY"), AIModel: get("TENANTRY_AI_MODEL"),
	}
	if c.OTLPEndpoint == "" { // the standard variable, honoured when Tenantry's own is unset
		c.OTLPEndpoint = strings.TrimSpace(getenv("OTEL_EXPORTER_OTLP_ENDPOINT"))
	}
	var errList []error
	var err error
	dur := func(name string, dst *time.Duration) {
		d, err := time.ParseDuration(get(name))
		if err != nil || d < 0 {
			errList = append(errList, fmt.Errorf("%s: want a duration such as 10m", name))
		}
		*dst = d
	}
	dur("TENANTRY_ACCESS_TTL", &c.AccessTTL)
	dur("TENANTRY_REFRESH_TTL", &c.RefreshTTL)
	dur("TENANTRY_DRAIN_DELAY", &c.DrainDelay)
	dur("TENANTRY_SHUTDOWN_TIMEOUT", &c.ShutdownTimeout)
	dur("TENANTRY_STREAM_HEARTBEAT", &c.StreamHeartbeat)
	dur("TENANTRY_WEBHOOK_TIMEOUT", &c.WebhookTimeout)
	dur("TENANTRY_AI_TIMEOUT", &c.AITimeout)
	if b, err := strconv.ParseBool(get("TENANTRY_WEBHOOK_ALLOW_PRIVATE")); err != nil {
		errList = append(errList, errors.New("TENANTRY_WEBHOOK_ALLOW_PRIVATE: want true or false"))
	} else {
		c.WebhookAllowPrivate = b
	}
	if n, err := strconv.Atoi(get("TENANTRY_WEBHOOK_DISABLE_AFTER")); err != nil || n < 1 {
		errList = append(errList, errors.New("TENANTRY_WEBHOOK_DISABLE_AFTER: want a whole number >= 1"))
	} else {
		c.WebhookDisableAfter = n
	}
	dur("TENANTRY_SMTP_CONNECT_TIMEOUT", &c.SMTPConnect)
	dur("TENANTRY_SMTP_SEND_TIMEOUT", &c.SMTPSend)
	if c.SMTPTLS, err = mail.ParseTLSMode(get("TENANTRY_SMTP_TLS")); err != nil {
		errList = append(errList, fmt.Errorf("TENANTRY_SMTP_TLS: %w", err))
	}
	if n, err := strconv.Atoi(get("TENANTRY_STREAM_MAX_PER_TENANT")); err != nil || n < 1 {
		errList = append(errList, errors.New("TENANTRY_STREAM_MAX_PER_TENANT: want a whole number >= 1"))
	} else {
		c.StreamMaxPerTenant = n
	}
	if n, err := strconv.ParseInt(get("TENANTRY_MAX_BODY_BYTES"), 10, 64); err != nil || n < 1024 {
		errList = append(errList, errors.New("TENANTRY_MAX_BODY_BYTES: want a whole number >= 1024"))
	} else {
		c.MaxBodyBytes = n
	}
	if n, err := strconv.ParseInt(get("TENANTRY_UPLOAD_MAX_BYTES"), 10, 64); err != nil || n < 1 {
		errList = append(errList, errors.New("TENANTRY_UPLOAD_MAX_BYTES: want a whole number >= 1"))
	} else {
		c.UploadMaxBytes = n
	}
	if n, err := strconv.ParseInt(get("TENANTRY_DB_MAX_CONNS"), 10, 32); err != nil || n < 0 {
		errList = append(errList, errors.New("TENANTRY_DB_MAX_CONNS: want a whole number >= 0"))
	} else {
		c.DBMaxConns = int32(n)
	}
	if err := c.LogLevel.UnmarshalText([]byte(get("TENANTRY_LOG_LEVEL"))); err != nil {
		errList = append(errList, errors.New("TENANTRY_LOG_LEVEL: want debug, info, warn or error"))
	}
	c.RedisURL = get("REDIS_URL")
	for _, o := range strings.Split(get("TENANTRY_CORS_ORIGINS"), ",") {
		if o = strings.TrimRight(strings.TrimSpace(o), "/"); o != "" {
			c.CORSOrigins = append(c.CORSOrigins, o)
		}
	}
	if err := httpapi.CheckOrigins(c.CORSOrigins); err != nil {
		errList = append(errList, fmt.Errorf("TENANTRY_CORS_ORIGINS: %w", err))
	}
	if c.RateLimits, err = ratelimit.ParseLimits(get("TENANTRY_RATE_LIMITS")); err != nil {
		errList = append(errList, fmt.Errorf("TENANTRY_RATE_LIMITS: %w", err))
	}
	return c, errors.Join(errList...)
}

// publicURLOf is the default public URL of a listen address: http://host:port, with a wildcard
// or empty host (":8080", "0.0.0.0:8080", "[::]:8080") as 127.0.0.1.
func publicURLOf(addr string) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "http://" + addr
	}
	if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
		host = "127.0.0.1"
	}
	return "http://" + net.JoinHostPort(host, port)
}

// Validate checks what serving needs.
func (c config) Validate() error {
	var errList []error
	if c.AccessTTL < time.Minute || c.AccessTTL > time.Hour {
		errList = append(errList, errors.New("TENANTRY_ACCESS_TTL: keep access tokens between 1m and 1h"))
	}
	if c.RefreshTTL < c.AccessTTL {
		errList = append(errList, errors.New("TENANTRY_REFRESH_TTL: must be longer than TENANTRY_ACCESS_TTL"))
	}
	if c.DatabaseURL == "" {
		errList = append(errList, errors.New("DATABASE_URL: required (or use `tenantry dev` for a private database)"))
	}
	if c.SystemURL == "" {
		errList = append(errList, errors.New("DATABASE_SYSTEM_URL: required (sign-in needs the registered cross-tenant queries)"))
	}
	if c.JWTKey == "" {
		errList = append(errList, errors.New("TENANTRY_JWT_KEY: required (base64, at least 32 bytes)"))
	}
	errList = append(errList, c.validateAI()...)
	if c.SecretKey == "" {
		errList = append(errList, errors.New("TENANTRY_SECRET_KEY: required (base64, 32 bytes)"))
	} else if _, err := secretbox.ParseKey(c.SecretKey); err != nil {
		errList = append(errList, errors.New("TENANTRY_SECRET_KEY: want base64 of exactly 32 bytes"))
	}
	if c.OTLPEndpoint != "" {
		if _, err := telemetry.TracesURL(c.OTLPEndpoint); err != nil {
			errList = append(errList, errors.New("TENANTRY_OTLP_ENDPOINT: want an http(s) base URL such as http://collector:4318"))
		}
	}
	return errors.Join(errList...)
}

// keyRing builds the JWT key ring; key ids are derived from the keys, so rotating needs no ids.
func (c config) keyRing() (*auth.Keys, error) {
	ring := map[string][]byte{}
	var current string
	for i, enc := range []string{c.JWTKey, c.JWTPreviousKey} {
		if enc == "" {
			continue
		}
		key, err := base64.StdEncoding.DecodeString(enc)
		if err != nil {
			return nil, errors.New("TENANTRY_JWT_KEY: not valid base64")
		}
		sum := sha256.Sum256(key)
		kid := "k" + hex.EncodeToString(sum[:4])
		ring[kid] = key
		if i == 0 {
			current = kid
		}
	}
	return auth.NewKeys(current, ring)
}

// devKey returns the development signing key kept in dir, creating it on first use.
func devKey(dir string) (string, error) { return devKeyFile(dir, "jwt.key") }

// devSecretKey returns the development secret key (TENANTRY_SECRET_KEY) kept in dir, creating it on
// first use.
func devSecretKey(dir string) (string, error) { return devKeyFile(dir, "secret.key") }

// devKeys fills in the signing and secret keys `dev` and `demo` keep in the data directory.
func (c *config) devKeys() error {
	var err error
	if c.JWTKey == "" {
		if c.JWTKey, err = devKey(c.DataDir); err != nil {
			return err
		}
	}
	if c.SecretKey == "" {
		if c.SecretKey, err = devSecretKey(c.DataDir); err != nil {
			return err
		}
	}
	return nil
}

// devKeyFile returns the random 32-byte key, base64, kept in dir/name, creating it on first use.
func devKeyFile(dir, name string) (string, error) {
	path := filepath.Join(dir, name)
	if b, err := os.ReadFile(path); err == nil {
		return strings.TrimSpace(string(b)), nil
	}
	var key [32]byte
	if _, err := rand.Read(key[:]); err != nil {
		return "", err
	}
	enc := base64.StdEncoding.EncodeToString(key[:])
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", fmt.Errorf("dev key: %w", err)
	}
	if err := os.WriteFile(path, []byte(enc+"\n"), 0o600); err != nil {
		return "", fmt.Errorf("dev key: %w", err)
	}
	return enc, nil
}

// appConfig is the part of the configuration the assembly takes.
func (c config) appConfig() (app.Config, error) {
	keys, err := c.keyRing()
	if err != nil {
		return app.Config{}, err
	}
	secret, err := secretbox.ParseKey(c.SecretKey)
	if err != nil {
		return app.Config{}, errors.New("TENANTRY_SECRET_KEY: want base64 of exactly 32 bytes")
	}
	return app.Config{
		Keys: keys, AccessTTL: c.AccessTTL, RefreshTTL: c.RefreshTTL, MaxBodyBytes: c.MaxBodyBytes,
		DataDir: c.DataDir, UploadsDir: c.UploadsDir, PublicURL: c.PublicURL, Version: buildVersion(), Revision: buildRevision(), Tracer: c.Tracer,
		SMTP: mail.SMTPSender{Addr: c.SMTPAddr, From: c.SMTPFrom, Username: c.SMTPUsername, Password: c.SMTPPassword,
			TLS: c.SMTPTLS, ConnectTimeout: c.SMTPConnect, SendTimeout: c.SMTPSend},
		RedisURL: c.RedisURL, RateLimits: c.RateLimits, SecretKey: secret, CORSOrigins: c.CORSOrigins,
		Stream:         parking.StreamConfig{MaxPerTenant: c.StreamMaxPerTenant, Heartbeat: c.StreamHeartbeat},
		Webhooks:       endpoints.Config{AllowPrivate: c.WebhookAllowPrivate, Timeout: c.WebhookTimeout, DisableAfter: c.WebhookDisableAfter},
		UploadMaxBytes: c.UploadMaxBytes,
		PSA:            flows.PSAConfig{AllowPrivate: c.WebhookAllowPrivate},
		AI:             flows.AIConfig{Provider: c.AIProvider, BaseURL: c.AIBaseURL, APIKey: c.AIAPIKey, Model: c.AIModel, Timeout: c.AITimeout},
	}, nil
}

// newApp assembles the service from the configuration.
func newApp(c config, db *postgres.DB, log *slog.Logger) (*app.App, error) {
	ac, err := c.appConfig()
	if err != nil {
		return nil, err
	}
	return app.New(ac, db, log)
}

// validateAI checks the AI provider's variables.
func (c config) validateAI() []error {
	var errList []error
	switch c.AIProvider {
	case flows.ProviderLocal:
	case flows.ProviderOpenAI:
		if u, err := url.Parse(c.AIBaseURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			errList = append(errList, errors.New("TENANTRY_AI_BASE_URL: required with TENANTRY_AI_PROVIDER=openai (http:// or https:// URL)"))
		}
	default:
		errList = append(errList, errors.New("TENANTRY_AI_PROVIDER: want local or openai"))
	}
	if c.AITimeout < time.Second {
		errList = append(errList, errors.New("TENANTRY_AI_TIMEOUT: at least 1s"))
	}
	return errList
}
