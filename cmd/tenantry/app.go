package main

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"path/filepath"

	"github.com/tenantry/tenantry/internal/apikeys"
	"github.com/tenantry/tenantry/internal/audit"
	"github.com/tenantry/tenantry/internal/audit/auditlog"
	"github.com/tenantry/tenantry/internal/auth"
	"github.com/tenantry/tenantry/internal/httpapi"
	"github.com/tenantry/tenantry/internal/identity"
	"github.com/tenantry/tenantry/internal/jobs"
	"github.com/tenantry/tenantry/internal/mail"
	"github.com/tenantry/tenantry/internal/parking"
	"github.com/tenantry/tenantry/internal/postgres"
	"github.com/tenantry/tenantry/internal/schema"
	"github.com/tenantry/tenantry/internal/staff"
)

// Token claims every Tenantry instance issues and demands.
const (
	tokenIssuer   = "tenantry"
	tokenAudience = "tenantry-api"
)

// app is the assembled service: all wiring of Tenantry happens here.
type app struct {
	server     *httpapi.Server
	handler    http.Handler
	background []func(context.Context) // workers that run until the context ends (mail dispatcher)
}

// mailSender is SMTP when configured, else the development file sender.
func mailSender(cfg config, log *slog.Logger) mail.Sender {
	if cfg.SMTPAddr != "" {
		return mail.SMTPSender{Addr: cfg.SMTPAddr, From: cfg.SMTPFrom, Username: cfg.SMTPUsername, Password: cfg.SMTPPassword}
	}
	return mail.FileSender{Dir: filepath.Join(cfg.DataDir, "mail"), From: cfg.SMTPFrom, Log: log}
}

func newApp(cfg config, db *postgres.DB, log *slog.Logger) (*app, error) {
	keys, err := cfg.keyRing()
	if err != nil {
		return nil, err
	}
	tokens := &auth.Tokens{Keys: keys, Issuer: tokenIssuer, Audience: tokenAudience, TTL: cfg.AccessTTL}
	hasher, err := auth.NewHasher(auth.HasherConfig{})
	if err != nil {
		return nil, err
	}
	limits, err := newRateLimits(cfg, db, log)
	if err != nil {
		return nil, err
	}
	ids, err := identity.New(db, log, identity.Config{Tokens: tokens, Hasher: hasher, RefreshTTL: cfg.RefreshTTL, PublicURL: cfg.PublicURL,
		AccountLimit: limits.service.Account})
	if err != nil {
		return nil, err
	}
	apiKeys := apikeys.New(db, log)
	srv := httpapi.New(httpapi.Options{
		Logger: log, Authenticator: httpapi.Dispatch{Bearer: ids, APIKey: apiKeys, Staff: staff.New(db, log)}, Ping: db.Ping, Pools: db.Stats,
		MaxBodyBytes: cfg.MaxBodyBytes, Version: version, Limits: limits.service, Collectors: limits.metrics.Collectors(),
		Denied: func(ctx context.Context, c httpapi.Caller, op string) {
			audit.RecordDenial(ctx, db, log, c.Tenant, c.Principal, c.Role, op)
		},
	})
	parkingSvc := parking.New(db, log)
	ids.Routes(srv.API(), log, parkingSvc.TenantCreated)
	parkingSvc.Routes(srv.API(), log)
	apiKeys.Routes(srv.API(), log)
	auditlog.NewLog(db).Routes(srv.API(), log)
	h, err := srv.Handler()
	if err != nil {
		return nil, err
	}
	dispatcher := &mail.Dispatcher{DB: db, Sender: mailSender(cfg, log), Log: log}
	runner, err := jobs.New(db, log, parkingSvc, jobs.Config{})
	if err != nil {
		return nil, err
	}
	a := &app{server: srv, handler: h, background: []func(context.Context){dispatcher.Run, runner.Run}}
	if limits.closer != nil {
		a.background = append(a.background, limits.closer)
	}
	return a, nil
}

// migrateUp applies pending migrations as the owner role.
func migrateUp(ctx context.Context, ownerURL string, log *slog.Logger) error {
	m, err := postgres.NewMigrator(ctx, ownerURL, schema.Migrations()...)
	if err != nil {
		return err
	}
	defer m.Close()
	steps, err := m.Up(ctx)
	for _, s := range steps {
		log.Info("migration applied", "version", s.Version, "name", s.Name, "duration", s.Duration)
	}
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	return nil
}
