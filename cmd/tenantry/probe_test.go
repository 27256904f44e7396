package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tenantry/tenantry/internal/app"
	"github.com/tenantry/tenantry/internal/platform/mail"
	"github.com/tenantry/tenantry/internal/proof/probe"
	"github.com/tenantry/tenantry/internal/testkit/apitest"
)

// TestProbe runs the cross-tenant probe (internal/proof/probe) against the assembled service on a real
// database: every operation of the OpenAPI document as every principal of tenant B with tenant
// A's ids, and the principals the declarations add (another member for owner-only operations, a
// member who sees but did not write for object rules, share-link holders). A's rows are hashed
// through the superuser before and after each operation; invitation tokens are read from the mail
// outbox as the dispatcher delivers it. The run fails on any finding, on any operation with ids
// that could not be probed, and on anything the world could not build.
func TestProbe(t *testing.T) {
	t.Parallel()
	// The probe's principals sign in once; on a loaded machine the run outlasts the default
	// 10-minute access token (seen: 648 s at load 40), so the tokens live as long as the run may.
	s := apitest.StartWith(t, apitest.Options{MaxConns: 4, Unlimited: true, Quiet: true,
		Configure: func(c *app.Config) { c.AccessTTL = time.Hour }})
	var out strings.Builder
	rep, err := probe.Run(t.Context(), probe.Options{URL: s.URL, RowHashes: rowHashes(s.Env.SuperURL), InvitationToken: outboxTokens(s),
		Duplicates: 50})
	if err != nil {
		t.Fatal(err)
	}
	rep.Write(&out)
	t.Log("\n" + out.String())
	if rep.Failed() || len(rep.Missing) > 0 {
		t.Errorf("the probe failed or could not build everything:\n%s", out.String())
	}
	// Every create of the document (a POST answering 201) passed the idempotency checks.
	if creates := createOperations(t, s.URL); !slices.Equal(creates, sorted(rep.Idempotent)) || len(creates) < 21 {
		t.Errorf("idempotent creates %v, want every create of the document %v", rep.Idempotent, creates)
	}
	principals := strings.Join(rep.Principals, ", ")
	for _, want := range []string{"another member", "sees but did not write", "anonymous holder", "foreign holder"} {
		if !strings.Contains(principals, want) {
			t.Errorf("no %q principal: %s", want, principals)
		}
	}
}

// rowHashes fingerprints every row of a tenant, table by table, as the superuser: the tables with
// tenant_id (read from the catalog), the tenant's own row and its members' user rows.
func rowHashes(superURL string) func(ctx context.Context, tenant string) (map[string]string, error) {
	return func(ctx context.Context, tenant string) (map[string]string, error) {
		return hashRows(ctx, superURL, tenant)
	}
}

// hashRows is rowHashes's fingerprint of one tenant.
func hashRows(ctx context.Context, superURL, tenant string) (map[string]string, error) {
	conn, err := pgx.Connect(ctx, superURL)
	if err != nil {
		return nil, err
	}
	defer conn.Close(context.Background())
	rows, err := conn.Query(ctx, `SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
		JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'tenant_id' AND NOT a.attisdropped
		WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') ORDER BY 1`)
	if err != nil {
		return nil, err
	}
	tables, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, err
	}
	where := map[string]string{"tenants": "t.id = $1", "users": "t.id IN (SELECT user_id FROM memberships WHERE tenant_id = $1)"}
	for _, table := range tables {
		where[table] = "t.tenant_id = $1"
	}
	out := map[string]string{}
	for table, cond := range where {
		var h string
		q := fmt.Sprintf(`SELECT count(*) || ':' || coalesce(md5(string_agg(t::text, '|' ORDER BY t::text)), '') FROM %s t WHERE %s`,
			pgx.Identifier{table}.Sanitize(), cond)
		if err := conn.QueryRow(ctx, q, tenant).Scan(&h); err != nil {
			return nil, fmt.Errorf("%s: %w", table, err)
		}
		out[table] = h
	}
	return out, nil
}

// outboxTokens delivers the mail outbox into memory and returns the invitation token sent to an
// address, once the whole outbox is delivered (so no delivery changes A's rows during the probe).
func outboxTokens(s *apitest.Server) func(ctx context.Context, email string) (string, error) {
	sent := &memorySender{}
	s.DeliverMail(sent)
	return func(ctx context.Context, email string) (string, error) {
		for deadline := time.Now().Add(20 * time.Second); ctx.Err() == nil && time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
			if tok := sent.tokenFor(email); tok != "" {
				s.WaitMailSent()
				return tok, nil
			}
		}
		return "", fmt.Errorf("no invitation mail to %s", email)
	}
}

// memorySender keeps delivered messages.
type memorySender struct {
	mu   sync.Mutex
	msgs []mail.Message
}

func (m *memorySender) Send(_ context.Context, msg mail.Message) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.msgs = append(m.msgs, msg)
	return nil
}

func (m *memorySender) tokenFor(email string) string {
	m.mu.Lock()
	defer m.mu.Unlock()
	for i := len(m.msgs) - 1; i >= 0; i-- {
		if m.msgs[i].To == email {
			return probe.TokenIn(m.msgs[i].Body)
		}
	}
	return ""
}

// createOperations returns the ids of the served document's operations that create: a POST
// whose documented success is 201.
func createOperations(t *testing.T, base string) []string {
	t.Helper()
	res, err := http.Get(base + "/openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var doc struct {
		Paths map[string]map[string]struct {
			OperationID string                     `json:"operationId"`
			Responses   map[string]json.RawMessage `json:"responses"`
		} `json:"paths"`
	}
	if err := json.NewDecoder(res.Body).Decode(&doc); err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, item := range doc.Paths {
		if op, ok := item["post"]; ok && op.Responses["201"] != nil {
			out = append(out, op.OperationID)
		}
	}
	return sorted(out)
}

func sorted(s []string) []string {
	s = slices.Clone(s)
	slices.Sort(s)
	return s
}
