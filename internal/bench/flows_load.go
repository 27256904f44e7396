package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/google/uuid"

	"github.com/tenantry/tenantry/internal/auth"
	"github.com/tenantry/tenantry/internal/postgres"
	"github.com/tenantry/tenantry/internal/tenancy"
)

// The flows loader's statements, each in the flows tenant's scoped transaction as the application
// role (RLS and WITH CHECK apply). Member, team and flow attributes follow flows_data.go: $n
// parameters carry flowMembers and flowTeams, so the two cannot drift apart.
const (
	insertFlowMembersSQL = `INSERT INTO memberships (tenant_id, id, user_id, role)
SELECT $1, gen_random_uuid(), md5(concat('fu:', u))::uuid, CASE WHEN u = 0 THEN 'owner' ELSE 'operator' END
FROM generate_series(0, $2::int - 1) AS u`
	insertTeamsSQL = `INSERT INTO teams (tenant_id, id, name)
SELECT $1, md5(concat('ft:', t))::uuid, 'Team ' || t FROM generate_series(0, $2::int - 1) AS t`
	insertTeamMembersSQL = `INSERT INTO team_members (tenant_id, team_id, user_id)
SELECT $1, md5(concat('ft:', t))::uuid, md5(concat('fu:', u))::uuid
FROM generate_series(0, $2::int - 1) AS u, generate_series(0, $3::int - 1) AS t
WHERE t = u % $3::int OR t = (u + 1) % $3::int`
	insertFlowsSQL = `INSERT INTO flows (tenant_id, id, author_id, team_id, title, description, kind, visibility, global_category_id,
                   draft_graph, draft_updated_at, created_at, updated_at)
SELECT $1, md5(concat('ff:', g))::uuid, md5(concat('fu:', g % $3::int))::uuid,
       CASE WHEN (g / $3::int) % 5 IN (2, 3) THEN md5(concat('ft:', (g / ($3::int * 5)) % $4::int))::uuid END,
       'Bench flow ' || g, 'Flow ' || g || ' of the bench data set.', (ARRAY['troubleshooting', 'procedural', 'maintenance'])[1 + g % 3],
       CASE (g / $3::int) % 5 WHEN 0 THEN 'account' WHEN 1 THEN 'account' WHEN 2 THEN 'team' WHEN 3 THEN 'team' ELSE 'private' END,
       CASE WHEN g % 2 = 0 THEN c.ids[1 + g % cardinality(c.ids)] END, $5, w.t, w.t, w.t
FROM generate_series(0, $2::int - 1) AS g,
     LATERAL (SELECT now() - interval '1 hour' - g * interval '1 second' AS t) AS w,
     (SELECT array_agg(id ORDER BY sort) AS ids FROM flow_global_categories) AS c`
	insertFlowTagsSQL = `INSERT INTO flow_global_tag_links (tenant_id, flow_id, global_tag_id)
SELECT $1, md5(concat('ff:', g))::uuid, t.ids[1 + g % cardinality(t.ids)]
FROM generate_series(0, $2::int - 1) AS g, (SELECT array_agg(id ORDER BY name) AS ids FROM flow_global_tags) AS t
WHERE g % 3 = 0`
	// cloneSessionSQL copies a session the API made (the template, $2) into the sessions k = g ×
	// flowMembers + member of a set, g < $5: the same owner, snapshot and run, new ids.
	cloneSessionSQL = `INSERT INTO flow_sessions (tenant_id, id, user_id, flow_id, flow_version, snapshot, status, run, custom_steps,
                           scratchpad, variables, ticket_number, client_name, started_at, created_at, updated_at)
SELECT s.tenant_id, md5(concat($3::text, ':', g * $4::int + $6::int))::uuid, s.user_id, s.flow_id, s.flow_version, s.snapshot,
       s.status, s.run, s.custom_steps, s.scratchpad, s.variables, s.ticket_number, s.client_name, s.started_at,
       s.created_at, s.updated_at
FROM flow_sessions s, generate_series(0, $5::int - 1) AS g
WHERE s.tenant_id = $1 AND s.id = $2 -- tenantlint:all-owners the bench loader copies a template session under its own owner
`
	templateSessionSQL = `SELECT run::text, custom_steps::text, variables::text, ticket_number, client_name, started_at::text
FROM flow_sessions WHERE tenant_id = $1 AND id = $2 -- tenantlint:all-owners the bench loader reads the template it made, for pgbench
`
)

// templateDecisions is how far the template sessions are taken before they are cloned: every
// session starts in the middle of a procedure, and pgbench writes a run of this length.
const templateDecisions = 8

// flowsBench is the loaded flows data set: what the scenarios and the baselines need of it.
type flowsBench struct {
	flows    int // flows of the list
	sessions int // sessions per set, a multiple of flowMembers
	decision uuid.UUID
	pages    [flowMembers][]uuid.UUID // each member's first page of the list
	tokens   [flowMembers]string      // each member's access token (signIn, renew)
	refresh  [flowMembers]string      // and refresh token
	run      savedRun                 // what pgbench's SaveSession writes
	elapsed  time.Duration
}

// savedRun is a session's mutable state as the template holds it, text as PostgreSQL prints it.
type savedRun struct {
	run, custom, vars, ticket, client, started string
}

// tenant is the flows tenant's id.
func (fb *flowsBench) tenant() uuid.UUID { return tenantID(flowsTenant) }

// loadFlows loads the flows data set: the members (through the application role in each user's
// scope), then in the tenant's scope the tenant, its memberships, teams, flows and tag links with
// multi-row INSERT … SELECT; over the API, the decision scenario's flow, created and published by
// member 0, and a template session per member, taken templateDecisions steps; each template is
// cloned into both session sets; then the tables are analyzed.
func loadFlows(ctx context.Context, cfg Config, d *database, client *http.Client, base string, log *slog.Logger) (*flowsBench, error) {
	start := time.Now()
	fb := &flowsBench{flows: cfg.Flows, sessions: cfg.flowSessions()}
	db, err := postgres.Open(ctx, postgres.Config{AppURL: d.url(postgres.AppRole), MaxConns: 2})
	if err != nil {
		return nil, err
	}
	defer db.Close()
	sc, err := tenancy.WithScope(ctx, tenancy.Scope{Tenant: tenancy.TenantID(fb.tenant()), Role: tenancy.RoleOwner,
		Principal: tenancy.Principal{Kind: tenancy.PrincipalUser, UserID: tenancy.UserID(flowUserID(0))}})
	if err != nil {
		return nil, err
	}
	if err := loadFlowsSQL(sc, db, cfg.Flows); err != nil {
		return nil, fmt.Errorf("bench: load flows: %w", err)
	}
	if err := fb.signIn(ctx, client, base); err != nil {
		return nil, err
	}
	if err := fb.sessionsThroughAPI(sc, db, client, base); err != nil {
		return nil, fmt.Errorf("bench: flows sessions: %w", err)
	}
	for u := range flowMembers {
		fb.pages[u] = firstPage(u, fb.flows, fb.decision)
	}
	if err := d.vacuumFlows(ctx); err != nil {
		return nil, err
	}
	fb.elapsed = time.Since(start)
	log.Info("bench: flows loaded", "flows", fb.flows, "sessions", 2*fb.sessions, "elapsed", fb.elapsed.Round(time.Millisecond))
	return fb, nil
}

// loadFlowsSQL creates the members, then the tenant with its memberships, teams and flows.
func loadFlowsSQL(ctx context.Context, db *postgres.DB, flows int) error {
	for u := range flowMembers {
		if err := createUser(ctx, db, tenancy.UserID(flowUserID(u)), flowEmail(u), fmt.Sprintf("Technician %d", u), flowPassword); err != nil {
			return err
		}
	}
	draft, err := json.Marshal(listGraph())
	if err != nil {
		return err
	}
	t := tenantID(flowsTenant)
	return db.Tx(ctx, func(q postgres.Querier) error {
		_, err := q.Exec(ctx, insertTenantSQL, t, "Bench flows tenant", "bench-flows")
		if err == nil {
			_, err = q.Exec(ctx, insertFlowMembersSQL, t, flowMembers)
		}
		if err == nil {
			_, err = q.Exec(ctx, insertTeamsSQL, t, flowTeams)
		}
		if err == nil {
			_, err = q.Exec(ctx, insertTeamMembersSQL, t, flowMembers, flowTeams)
		}
		if err == nil {
			_, err = q.Exec(ctx, insertFlowsSQL, t, flows, flowMembers, flowTeams, draft)
		}
		if err == nil {
			_, err = q.Exec(ctx, insertFlowTagsSQL, t, flows)
		}
		return err
	})
}

// signIn signs every member in (POST /api/v1/auth/login) and keeps their tokens.
func (fb *flowsBench) signIn(ctx context.Context, client *http.Client, base string) error {
	for u := range flowMembers {
		err := fb.session(ctx, client, base, u, "/api/v1/auth/login",
			map[string]any{"email": flowEmail(u), "password": flowPassword, "tenant": "bench-flows"})
		if err != nil {
			return fmt.Errorf("bench: sign in flows member %d: %w", u, err)
		}
	}
	return nil
}

// renew exchanges every member's refresh token for new tokens (POST /api/v1/auth/refresh):
// access tokens live 10 minutes, so the run renews them before each flows scenario. Unlike a
// sign-in, a refresh computes no Argon2id hash, whose memory would show in the server's figures.
func (fb *flowsBench) renew(ctx context.Context, client *http.Client, base string) error {
	for u := range flowMembers {
		if err := fb.session(ctx, client, base, u, "/api/v1/auth/refresh", map[string]any{"refresh_token": fb.refresh[u]}); err != nil {
			return fmt.Errorf("bench: renew the tokens of flows member %d: %w", u, err)
		}
	}
	return nil
}

// session posts body to a sign-in or refresh path and keeps member u's new tokens.
func (fb *flowsBench) session(ctx context.Context, client *http.Client, base string, u int, path string, body map[string]any) error {
	var s struct {
		AccessToken  string `json:"access_token"`
		RefreshToken string `json:"refresh_token"`
	}
	if err := apiJSON(ctx, client, base, http.MethodPost, path, "", body, &s); err != nil {
		return err
	}
	fb.tokens[u], fb.refresh[u] = s.AccessToken, s.RefreshToken
	return nil
}

// sessionsThroughAPI creates and publishes the decision flow, makes each member's template session
// over the API and clones it into both session sets.
func (fb *flowsBench) sessionsThroughAPI(ctx context.Context, db *postgres.DB, client *http.Client, base string) error {
	var flow struct {
		ID uuid.UUID `json:"id"`
	}
	err := apiJSON(ctx, client, base, http.MethodPost, "/api/v1/flows", fb.tokens[0], map[string]any{"kind": "maintenance",
		"title": "Server maintenance round", "visibility": "account", "graph": decisionGraph()}, &flow)
	if err == nil {
		err = apiJSON(ctx, client, base, http.MethodPost, "/api/v1/flows/"+flow.ID.String()+"/publish", fb.tokens[0], nil, nil)
	}
	if err != nil {
		return err
	}
	fb.decision = flow.ID
	for u := range flowMembers {
		template, err := fb.templateSession(ctx, client, base, u)
		if err != nil {
			return err
		}
		if u == 0 {
			if fb.run, err = readTemplate(ctx, db, template); err != nil {
				return err
			}
		}
		if err := fb.clone(ctx, db, template, u); err != nil {
			return err
		}
	}
	return nil
}

// templateSession starts a session of member u on the decision flow and takes it
// templateDecisions steps.
func (fb *flowsBench) templateSession(ctx context.Context, client *http.Client, base string, u int) (uuid.UUID, error) {
	var s struct {
		ID uuid.UUID `json:"id"`
	}
	err := apiJSON(ctx, client, base, http.MethodPost, "/api/v1/sessions", fb.tokens[u], map[string]any{"flow_id": fb.decision,
		"ticket_number": "BENCH-" + strconv.Itoa(u), "client_name": "Bench client"}, &s)
	for range templateDecisions {
		if err != nil {
			break
		}
		err = apiJSON(ctx, client, base, http.MethodPost, "/api/v1/sessions/"+s.ID.String()+"/decisions", fb.tokens[u],
			map[string]any{"option_id": "yes"}, nil)
	}
	return s.ID, err
}

// readTemplate reads a template session's state, for pgbench to write back.
func readTemplate(ctx context.Context, db *postgres.DB, id uuid.UUID) (savedRun, error) {
	var r savedRun
	err := db.Read(ctx, func(q postgres.Querier) error {
		return q.QueryRow(ctx, templateSessionSQL, tenantID(flowsTenant), id).Scan(&r.run, &r.custom, &r.vars, &r.ticket, &r.client, &r.started)
	})
	return r, err
}

// clone copies member u's template into u's share of both session sets.
func (fb *flowsBench) clone(ctx context.Context, db *postgres.DB, template uuid.UUID, u int) error {
	return db.Tx(ctx, func(q postgres.Querier) error {
		for _, set := range []string{apiSessions, pgbenchSessions} {
			if _, err := q.Exec(ctx, cloneSessionSQL, fb.tenant(), template, set, flowMembers, fb.sessions/flowMembers, u); err != nil {
				return err
			}
		}
		return nil
	})
}

// apiJSON sends one request of the set-up (a bearer token, if any, and a JSON body) and decodes
// the JSON answer into out (nil: ignored); any status but 2xx is an error.
func apiJSON(ctx context.Context, client *http.Client, base, method, path, bearer string, body, out any) error {
	var rd io.Reader
	if body != nil {
		raw, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequestWithContext(ctx, method, base+path, rd)
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	res, err := client.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		return err
	}
	if res.StatusCode/100 != 2 {
		return fmt.Errorf("%s %s: %w", method, path, statusError(res.StatusCode, raw))
	}
	if out == nil {
		return nil
	}
	return json.Unmarshal(raw, out)
}

// createUser creates a user in its own user scope, with a real Argon2id hash of password.
func createUser(ctx context.Context, db *postgres.DB, id tenancy.UserID, email, name, password string) error {
	h, err := auth.NewHasher(auth.HasherConfig{})
	if err != nil {
		return err
	}
	hash, err := h.Hash(ctx, password)
	if err != nil {
		return err
	}
	return db.AsUser(ctx, id, func(q postgres.Querier) error {
		_, err := q.Exec(ctx, insertUserSQL, id.UUID(), email, name, hash)
		return err
	})
}
