package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"time"

	"github.com/tenantry/tenantry/internal/app"
	"github.com/tenantry/tenantry/internal/proof/probe"
)

// demoAccount is a demo tenant's owner. Passwords are fixed and public: demo tenants exist only in
// development databases.
type demoAccount struct {
	email, password, name string
	tenant, slug          string
}

// parkingDemo is the owner of the parking demo tenant.
var parkingDemo = demoAccount{email: "demo@example.com", password: "demo parking password", name: "Demo Operator",
	tenant: "Demo Parking", slug: "demo-parking"}

// demoSensors are the DevEUIs of the demo's bay sensors; demoGateway relays them.
var demoSensors = []string{"A84041DE00000001", "A84041DE00000002", "A84041DE00000003", "A84041DE00000004",
	"A84041DE00000005", "A84041DE00000006", "A84041DE00000007", "A84041DE00000008"}

const demoGateway = "7076FF0064030456"

func cmdDemo(ctx context.Context, env *environment, args []string) error {
	fs := flagSet(env, "demo [--simulate=false] [--interval 3s]", "Like `dev`, then creates (or reuses) a demo tenant with a site, eight spaces and their\n"+
		"sensors, and a flows tenant with three published flows and a completed session shared by a\n"+
		"public link; prints how to sign in and the link, and runs the ChirpStack simulator against the\n"+
		"parking tenant, so occupancy changes within seconds.", serverEnv())
	simulate := fs.Bool("simulate", true, "post simulated sensor events to the demo tenant")
	interval := fs.Duration("interval", 3*time.Second, "time between simulated events")
	if err := parseFlags(env, fs, args); err != nil || helpAsked(args) {
		return err
	}
	cfg, log, stop, err := prepare(ctx, env)
	if err != nil {
		return err
	}
	defer stop()
	if err := cfg.devKeys(); err != nil {
		return err
	}
	if cfg.OwnerURL != "" {
		if err := app.MigrateUp(ctx, cfg.OwnerURL, log); err != nil {
			return err
		}
	}
	errc := make(chan error, 1)
	go func() { errc <- serve(ctx, cfg, log, env.stdout) }()
	mailed := probe.MailDirTokens(filepath.Join(cfg.DataDir, "mail"), 30*time.Second)
	go runDemo(ctx, "http://"+cfg.Addr, mailed, env.stdout, *simulate, *interval)
	return <-errc
}

// mailToken returns the verification token the server mailed to an address (registration mails a
// link that signs the new user in).
type mailToken func(ctx context.Context, email string) (string, error)

// runDemo waits for the server, seeds the demo tenant and runs the simulator until ctx ends.
func runDemo(ctx context.Context, base string, mailed mailToken, out io.Writer, simulate bool, interval time.Duration) {
	if err := waitReady(ctx, base); err != nil {
		fmt.Fprintln(out, "demo:", err)
		return
	}
	d, err := seedDemo(ctx, base, mailed)
	if err != nil {
		fmt.Fprintln(out, "demo:", err)
		return
	}
	f, flowsErr := seedFlowsDemo(ctx, base, mailed)
	fmt.Fprintf(out, "\nConsole: %s/\n  parking: %s / %s  (tenant %s)\n", base, parkingDemo.email, parkingDemo.password, parkingDemo.slug)
	if flowsErr == nil {
		fmt.Fprintf(out, "  flows:   %s / %s  (tenant %s)\n  share:   %s/s/%s\n", flowsDemo.email, flowsDemo.password, flowsDemo.slug, base, f.share)
	}
	fmt.Fprintf(out, "\nDemo tenant %q is ready.\n  sign in:  POST %s/api/v1/auth/login {\"email\": %q, \"password\": %q}\n"+
		"  API key:  %s  (ingest + read scopes)\n  watch:    curl -s -H 'X-API-Key: %s' %s/api/v1/spaces\n"+
		"  live:     %s\n"+
		"  simulate: tenantry simulate --url %s --api-key %s\n\n", parkingDemo.slug, base, parkingDemo.email, parkingDemo.password,
		d.key, d.key, base, liveCommand(base, d), base, d.key)
	if err := startDemoChirpStack(ctx, base, d, out); err != nil {
		fmt.Fprintln(out, "demo: displays:", err)
	} else {
		fmt.Fprintf(out, "Bay displays follow their spaces through a stand-in ChirpStack that acknowledges each downlink.\n"+
			"  displays: curl -s -H 'X-API-Key: %s' %s/api/v1/displays\n\n", d.key, base)
	}
	if flowsErr != nil {
		fmt.Fprintln(out, "demo:", flowsErr)
	} else {
		fmt.Fprintf(out, "Demo tenant %q is ready: %d published flows and a completed session, shared publicly.\n"+
			"  sign in:  POST %s/api/v1/auth/login {\"email\": %q, \"password\": %q}\n"+
			"  flows:    curl -s -H 'Authorization: Bearer <access_token>' %s/api/v1/flows\n"+
			"  share:    %s/s/%s  (opens without signing in; the API: GET %s/api/v1/share/%s)\n\n",
			flowsDemo.slug, len(f.flows), base, flowsDemo.email, flowsDemo.password, base, base, f.share, base, f.share)
	}
	if !simulate {
		return
	}
	sim := newSimulator(base, d.key)
	sim.sensors = demoSensors
	if err := sim.run(ctx, out, interval, 0); err != nil && ctx.Err() == nil {
		fmt.Fprintln(out, "demo: simulator:", err)
	}
}

// liveCommand is the curl command that follows the demo site's live stream (docs/parking.md,
// "Live stream"): -N so curl prints each event as it arrives.
func liveCommand(base string, d demoTenant) string {
	return fmt.Sprintf("curl -N -H 'X-API-Key: %s' %s/api/v1/sites/%s/stream", d.key, base, d.site)
}

func waitReady(ctx context.Context, base string) error {
	for deadline := time.Now().Add(time.Minute); time.Now().Before(deadline); {
		if res, err := http.Get(base + "/health/ready"); err == nil {
			res.Body.Close()
			if res.StatusCode == 200 {
				return nil
			}
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
	return errors.New("the server did not become ready")
}

// demoTenant is what seeding returns: a fresh API key of the demo tenant.
type demoTenant struct {
	access, key, site string
}

// seedDemo creates the demo tenant through the public API, or signs in to the existing one, makes
// sure its site has spaces with sensors, and creates an API key for the simulator.
func seedDemo(ctx context.Context, base string, mailed mailToken) (demoTenant, error) {
	c := &demoClient{base: base, http: &http.Client{Timeout: 10 * time.Second}, mailed: mailed}
	var d demoTenant
	var err error
	if d.access, err = c.session(ctx, parkingDemo); err != nil {
		return d, err
	}
	c.token = d.access
	var sites struct {
		Items []struct{ ID string } `json:"items"`
	}
	if err := c.call(ctx, "GET", "/api/v1/sites", nil, &sites); err != nil || len(sites.Items) == 0 {
		return d, fmt.Errorf("demo: sites: %w", err)
	}
	d.site = sites.Items[0].ID
	if err := c.fill(ctx, d.site); err != nil {
		return d, err
	}
	var key struct {
		Key string `json:"key"`
	}
	err = c.call(ctx, "POST", "/api/v1/api-keys", map[string]any{"name": "demo simulator " + time.Now().Format(time.RFC3339Nano),
		"scopes": []string{"webhook:ingest", "devices:read", "displays:read", "spaces:read", "sites:read", "telemetry:read"}}, &key)
	d.key = key.Key
	return d, err
}

// session registers a demo tenant's owner with the tenant and follows the verification link the
// server mails, or signs in when the tenant exists already.
func (c *demoClient) session(ctx context.Context, a demoAccount) (string, error) {
	err := c.call(ctx, "POST", "/api/v1/auth/register", map[string]any{
		"user":   map[string]any{"email": a.email, "name": a.name, "password": a.password},
		"tenant": map[string]any{"name": a.tenant, "slug": a.slug}}, &struct{}{})
	if err == nil {
		token, err := c.mailed(ctx, a.email)
		if err != nil {
			return "", fmt.Errorf("demo: verify %s: %w", a.email, err)
		}
		var sess struct {
			AccessToken string `json:"access_token"`
		}
		if err := c.call(ctx, "POST", "/api/v1/auth/verify-email", map[string]any{"token": token}, &sess); err != nil {
			return "", fmt.Errorf("demo: verify %s: %w", a.email, err)
		}
		return sess.AccessToken, nil
	}
	var login struct {
		AccessToken string `json:"access_token"`
	}
	if err := c.call(ctx, "POST", "/api/v1/auth/login", map[string]any{"email": a.email, "password": a.password, "tenant": a.slug}, &login); err != nil {
		return "", fmt.Errorf("demo: sign-in to %s: %w", a.slug, err)
	}
	return login.AccessToken, nil
}

// fill gives the demo site its spaces, sensors, displays and gateway, unless it has spaces already.
func (c *demoClient) fill(ctx context.Context, site string) error {
	var spaces struct {
		Items []struct{ ID string } `json:"items"`
	}
	if err := c.call(ctx, "GET", "/api/v1/spaces?site_id="+site, nil, &spaces); err != nil || len(spaces.Items) > 0 {
		return err
	}
	if err := c.call(ctx, "PATCH", "/api/v1/sites/"+site, map[string]any{"name": "Harbour car park", "timezone": "Europe/Lisbon",
		"latitude": 38.7071, "longitude": -9.1357}, &struct{}{}); err != nil {
		return err
	}
	if err := c.call(ctx, "POST", "/api/v1/devices", map[string]any{"dev_eui": demoGateway, "kind": "gateway", "name": "roof gateway"}, &struct{}{}); err != nil {
		return err
	}
	for i, eui := range demoSensors {
		var sp struct{ ID string }
		code := fmt.Sprintf("A-%02d", i+1)
		if err := c.call(ctx, "POST", "/api/v1/spaces", map[string]any{"site_id": site, "code": code, "floor": "0", "zone": "A"}, &sp); err != nil {
			return err
		}
		err := c.call(ctx, "POST", "/api/v1/devices", map[string]any{"dev_eui": eui, "kind": "sensor", "name": "bay " + code,
			"model": "Browan TBSP100", "space_id": sp.ID}, &struct{}{})
		if err != nil {
			return err
		}
		err = c.call(ctx, "POST", "/api/v1/displays", map[string]any{"dev_eui": demoDisplays[i], "name": "light " + code,
			"format": demoDisplayFormat(i), "space_id": sp.ID}, &struct{}{})
		if err != nil {
			return err
		}
	}
	return nil
}

// demoClient calls the API as the demo owner.
type demoClient struct {
	base, token string
	http        *http.Client
	mailed      mailToken
}

func (c *demoClient) call(ctx context.Context, method, path string, body, out any) error {
	var rd io.Reader
	if body != nil {
		raw, _ := json.Marshal(body)
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, rd)
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	res, err := c.http.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(io.LimitReader(res.Body, 1<<20))
	if res.StatusCode/100 != 2 {
		return fmt.Errorf("%s %s: %d %s", method, path, res.StatusCode, raw)
	}
	if out == nil { // no body expected (204)
		return nil
	}
	return json.Unmarshal(raw, out)
}
