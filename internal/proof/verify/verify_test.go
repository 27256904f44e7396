package verify_test

import (
	"context"
	"crypto/rand"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/tenantry/tenantry/internal/pgcluster"
	"github.com/tenantry/tenantry/internal/proof/verify"
	"github.com/tenantry/tenantry/internal/testkit/pgtest"
)

func TestMain(m *testing.M) {
	pgtest.Main(m, pgtest.Options{Prepare: prepare})
}

const (
	owner    = "tenantry_owner"
	app      = "tenantry_app"
	system   = "tenantry_system"
	template = "verify_template"
)

// rolesSQL creates the three roles when they are missing (run as the superuser).
const rolesSQL = `DO $$
BEGIN
	IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'tenantry_owner') THEN
		CREATE ROLE tenantry_owner LOGIN;
	END IF;
	IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'tenantry_app') THEN
		CREATE ROLE tenantry_app LOGIN NOSUPERUSER NOBYPASSRLS;
	END IF;
	IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'tenantry_system') THEN
		CREATE ROLE tenantry_system LOGIN BYPASSRLS;
	END IF;
END $$`

// schemaSQL is a small schema that keeps the contract, run as the owner: a global table, a parent
// and a child tenant table with a composite foreign key, a security_invoker view, an allow-listed
// SECURITY DEFINER function, the app role's grants and a column-level grant to the system role.
const schemaSQL = `
REVOKE ALL ON SCHEMA public FROM PUBLIC;
GRANT USAGE ON SCHEMA public TO tenantry_app, tenantry_system;

CREATE TABLE tenants (id uuid PRIMARY KEY, name text NOT NULL);

CREATE TABLE sites (
	tenant_id uuid NOT NULL REFERENCES tenants (id),
	id        uuid NOT NULL,
	code      text NOT NULL,
	name      text NOT NULL,
	PRIMARY KEY (tenant_id, id),
	UNIQUE (tenant_id, code)
);
CREATE TABLE spots (
	tenant_id  uuid NOT NULL,
	id         uuid NOT NULL,
	site_id    uuid NOT NULL,
	label      text NOT NULL,
	deleted_at timestamptz,
	PRIMARY KEY (tenant_id, id),
	FOREIGN KEY (tenant_id, site_id) REFERENCES sites (tenant_id, id)
);
CREATE UNIQUE INDEX spots_label_key ON spots (tenant_id, site_id, label) WHERE deleted_at IS NULL;

ALTER TABLE sites ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON sites
	USING (tenant_id = (SELECT NULLIF(current_setting('app.tenant_id', true), '')::uuid))
	WITH CHECK (tenant_id = (SELECT NULLIF(current_setting('app.tenant_id', true), '')::uuid));
ALTER TABLE spots ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON spots
	USING (tenant_id = (SELECT NULLIF(current_setting('app.tenant_id', true), '')::uuid))
	WITH CHECK (tenant_id = (SELECT NULLIF(current_setting('app.tenant_id', true), '')::uuid));

CREATE VIEW spot_labels WITH (security_invoker = true) AS
	SELECT p.tenant_id, p.id, p.label, s.code AS site_code
	FROM spots p JOIN sites s ON s.tenant_id = p.tenant_id AND s.id = p.site_id;

CREATE FUNCTION site_exists(p_tenant uuid, p_code text) RETURNS boolean
	LANGUAGE sql STABLE SECURITY DEFINER SET search_path = ''
	AS $$ SELECT EXISTS (SELECT 1 FROM public.sites WHERE tenant_id = p_tenant AND code = p_code) $$;
REVOKE EXECUTE ON FUNCTION site_exists(uuid, text) FROM PUBLIC;

GRANT SELECT ON tenants TO tenantry_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON sites, spots TO tenantry_app;
GRANT SELECT ON spot_labels TO tenantry_app;
GRANT SELECT (tenant_id, id, code) ON sites TO tenantry_system;
GRANT SELECT (id) ON tenants TO tenantry_system;
`

// prepare creates the roles and the template database, built as the owner.
func prepare(ctx context.Context, c *pgcluster.Cluster) (string, error) {
	steps := []struct{ user, db, sql string }{
		{"postgres", "postgres", rolesSQL},
		{"postgres", "postgres", "CREATE DATABASE " + template + " OWNER " + owner},
		{owner, template, schemaSQL},
	}
	for _, s := range steps {
		if err := execSQL(ctx, c.DSN(s.user, s.db), s.sql); err != nil {
			return "", err
		}
	}
	return template, nil
}

func execSQL(ctx context.Context, dsn, sql string) error {
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return err
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(ctx, sql); err != nil {
		return fmt.Errorf("%.60s…: %w", strings.TrimSpace(sql), err)
	}
	return nil
}

// expect describes the template.
func expect() verify.Expect {
	return verify.Expect{
		OwnerRole:  owner,
		AppRole:    app,
		SystemRole: system,
		SystemGrants: map[string][]string{
			"sites":          {"code", "id", "tenant_id"},
			"public.tenants": {"id"},
		},
		DefinerFunctions: []string{"public.site_exists"},
		GlobalTables:     map[string][]string{"tenants": {"SELECT"}},
	}
}

// exec runs statements on db as user.
func exec(t *testing.T, user, db string, sql ...string) {
	t.Helper()
	for _, s := range sql {
		if err := execSQL(t.Context(), pgtest.Cluster().DSN(user, db), s); err != nil {
			t.Fatalf("as %s: %v", user, err)
		}
	}
}

// check runs verify.Check on db, connected as user.
func check(t *testing.T, user, db string, e verify.Expect) []verify.Result {
	t.Helper()
	conn, err := pgx.Connect(t.Context(), pgtest.Cluster().DSN(user, db))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	rs, err := verify.Check(t.Context(), conn, e)
	if err != nil {
		t.Fatal(err)
	}
	return rs
}

// find returns the result for invariant and object.
func find(rs []verify.Result, invariant, object string) (verify.Result, bool) {
	i := slices.IndexFunc(rs, func(r verify.Result) bool { return r.Invariant == invariant && r.Object == object })
	if i < 0 {
		return verify.Result{}, false
	}
	return rs[i], true
}

// dump renders rs for a failure message.
func dump(rs []verify.Result) string {
	var b strings.Builder
	if _, err := verify.Write(&b, rs, false); err != nil {
		return err.Error()
	}
	return b.String()
}

// uniqueRole returns a fresh role name; roles are cluster-wide, so tests that change a role's
// attributes or memberships use one of their own (the cluster is discarded after the run).
func uniqueRole(prefix string) string {
	return prefix + "_" + strings.ToLower(rand.Text()[:10])
}

// templateResults lists every (invariant, object) that Check reports on the template.
func templateResults() []struct{ invariant, object string } {
	type line = struct{ invariant, object string }
	want := []line{
		{"tables.found", "public"},
		{"global.app_privileges", "public.tenants"},
		{"view.security_invoker", "public.spot_labels"},
		{"matview.none", "public"},
		{"function.definer", "public.site_exists(p_tenant uuid, p_code text)"},
		{"role.owner.exists", owner},
		{"role.owner.nobypassrls", owner},
		{"role.system.exists", system},
		{"role.system.grants", "public.sites"},
		{"role.system.grants", "public.tenants"},
		{"role.system.read_only", system},
	}
	for _, inv := range []string{"rls.enabled", "rls.forced", "rls.policy", "rls.fail_closed", "rls.initplan",
		"tenant_id.not_null", "tenant_id.uuid", "pk.tenant_id", "unique.tenant_id", "fk.composite",
		"index.tenant_leading", "id.no_sequence", "table.owner"} {
		want = append(want, line{inv, "public.sites"}, line{inv, "public.spots"})
	}
	for _, inv := range []string{"role.app.exists", "role.app.nosuperuser", "role.app.nobypassrls",
		"role.app.memberships", "role.app.owns_nothing", "role.app.no_create", "role.app.no_truncate",
		"role.app.no_references"} {
		want = append(want, line{inv, app})
	}
	return want
}

func TestCorrectSchemaPasses(t *testing.T) {
	t.Parallel()
	db := pgtest.NewDB(t)
	// Every catalog read works for an ordinary role: the owner and the app role see the same.
	for _, user := range []string{"postgres", owner, app} {
		t.Run(user, func(t *testing.T) {
			rs := check(t, user, db, expect())
			for _, r := range rs {
				if !r.Pass {
					t.Errorf("unexpected FAIL: %s %s — %s", r.Invariant, r.Object, r.Detail)
				}
			}
			want := templateResults()
			for _, w := range want {
				if _, ok := find(rs, w.invariant, w.object); !ok {
					t.Errorf("no result for %s %s", w.invariant, w.object)
				}
			}
			// The global table is not a tenant table.
			for _, r := range rs {
				if strings.HasPrefix(r.Invariant, "rls.") && r.Object == "public.tenants" {
					t.Errorf("global table checked as a tenant table: %s", r.Invariant)
				}
			}
			if len(rs) != len(want) {
				t.Errorf("%d results, want %d:\n%s", len(rs), len(want), dump(rs))
			}
		})
	}
}

// mutation breaks one rule of the contract in a fresh clone of the template.
type mutation struct {
	name string
	// as runs sql: the owner by default, "postgres" for what only a superuser may do.
	as  string
	sql []string
	// ownApp gives the test an app role of its own, with the template's grants; {app} in sql
	// stands for its name.
	ownApp bool
	expect func(e *verify.Expect)
	// want is the failure that must appear: invariant, object ({app} allowed) and a detail part.
	invariant, object, detail string
}

var mutations = []mutation{
	{name: "drop policy", sql: []string{"DROP POLICY tenant_isolation ON spots"},
		invariant: "rls.policy", object: "public.spots", detail: "no policy"},
	{name: "no force", sql: []string{"ALTER TABLE spots NO FORCE ROW LEVEL SECURITY"},
		invariant: "rls.forced", object: "public.spots", detail: "not forced"},
	{name: "rls disabled", sql: []string{"ALTER TABLE sites DISABLE ROW LEVEL SECURITY"},
		invariant: "rls.enabled", object: "public.sites", detail: "disabled"},
	{name: "second permissive policy", sql: []string{"CREATE POLICY public_read ON spots FOR SELECT USING (true)"},
		invariant: "rls.policy", object: "public.spots", detail: "2 policies (public_read, tenant_isolation)"},
	{name: "select-only policy", sql: []string{"DROP POLICY tenant_isolation ON spots",
		`CREATE POLICY tenant_read ON spots FOR SELECT
			USING (tenant_id = (SELECT NULLIF(current_setting('app.tenant_id', true), '')::uuid))`},
		invariant: "rls.policy", object: "public.spots", detail: "is FOR SELECT, want FOR ALL; policy tenant_read has no WITH CHECK"},
	{name: "policy without with check", sql: []string{"DROP POLICY tenant_isolation ON spots",
		`CREATE POLICY tenant_isolation ON spots USING (tenant_id = (SELECT NULLIF(current_setting('app.tenant_id', true), '')::uuid))`},
		invariant: "rls.policy", object: "public.spots", detail: "has no WITH CHECK"},
	{name: "restrictive policy only", sql: []string{"DROP POLICY tenant_isolation ON spots",
		`CREATE POLICY tenant_isolation ON spots AS RESTRICTIVE
			USING (tenant_id = (SELECT NULLIF(current_setting('app.tenant_id', true), '')::uuid))
			WITH CHECK (tenant_id = (SELECT NULLIF(current_setting('app.tenant_id', true), '')::uuid))`},
		invariant: "rls.policy", object: "public.spots", detail: "RESTRICTIVE"},
	{name: "policy on another setting", sql: []string{"DROP POLICY tenant_isolation ON spots",
		`CREATE POLICY tenant_isolation ON spots
			USING (tenant_id = NULLIF(current_setting('app.tenant', true), '')::uuid)
			WITH CHECK (tenant_id = NULLIF(current_setting('app.tenant', true), '')::uuid)`},
		invariant: "rls.policy", object: "public.spots", detail: "USING does not read app.tenant_id"},
	{name: "policy not fail closed", sql: []string{"DROP POLICY tenant_isolation ON spots",
		`CREATE POLICY tenant_isolation ON spots
			USING (tenant_id = current_setting('app.tenant_id', true)::uuid)
			WITH CHECK (tenant_id = (SELECT NULLIF(current_setting('app.tenant_id', true), '')::uuid))`},
		invariant: "rls.fail_closed", object: "public.spots", detail: "policy tenant_isolation USING reads app.tenant_id without NULLIF"},
	{name: "policy reads the setting per row", sql: []string{"DROP POLICY tenant_isolation ON spots",
		`CREATE POLICY tenant_isolation ON spots
			USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid)
			WITH CHECK (tenant_id = (SELECT NULLIF(current_setting('app.tenant_id', true), '')::uuid))`},
		invariant: "rls.initplan", object: "public.spots", detail: "policy tenant_isolation USING reads app.tenant_id outside a scalar subquery"},
	{name: "nullable tenant_id", sql: []string{"CREATE TABLE notes (tenant_id uuid, id uuid, PRIMARY KEY (id))"},
		invariant: "tenant_id.not_null", object: "public.notes", detail: "nullable"},
	{name: "text tenant_id", sql: []string{"CREATE TABLE notes (tenant_id text NOT NULL, id uuid NOT NULL, PRIMARY KEY (tenant_id, id))"},
		invariant: "tenant_id.uuid", object: "public.notes", detail: "tenant_id is text, want uuid"},
	{name: "table without tenant_id the app may write", sql: []string{"CREATE TABLE notes (id uuid PRIMARY KEY, body text)",
		"GRANT SELECT, INSERT ON notes TO tenantry_app"},
		invariant: "global.declared", object: "public.notes", detail: "no tenant_id column, yet tenantry_app may SELECT, INSERT it"},
	{name: "write grant on a read-only global table", sql: []string{"GRANT INSERT, DELETE ON tenants TO tenantry_app"},
		invariant: "global.app_privileges", object: "public.tenants", detail: "tenantry_app may SELECT, INSERT, DELETE, declared SELECT"},
	{name: "column write grant on a read-only global table", sql: []string{"GRANT UPDATE (name) ON tenants TO tenantry_app"},
		invariant: "global.app_privileges", object: "public.tenants", detail: "tenantry_app may SELECT, UPDATE, declared SELECT"},
	{name: "unique without tenant_id", sql: []string{"ALTER TABLE spots ADD CONSTRAINT spots_label_only UNIQUE (label)"},
		invariant: "unique.tenant_id", object: "public.spots", detail: "spots_label_only (label) lacks tenant_id"},
	{name: "unique with tenant_id only included", sql: []string{"CREATE UNIQUE INDEX spots_label_incl ON spots (label) INCLUDE (tenant_id)"},
		invariant: "unique.tenant_id", object: "public.spots", detail: "spots_label_incl (label) lacks tenant_id"},
	{name: "non-composite foreign key", sql: []string{
		"CREATE UNIQUE INDEX sites_id_key ON sites (id)",
		"ALTER TABLE spots ADD CONSTRAINT spots_site_only FOREIGN KEY (site_id) REFERENCES sites (id)"},
		invariant: "fk.composite", object: "public.spots", detail: "spots_site_only is not composite on tenant_id: FOREIGN KEY (site_id) REFERENCES sites(id)"},
	{name: "primary key without tenant_id", sql: []string{"ALTER TABLE spots DROP CONSTRAINT spots_pkey, ADD PRIMARY KEY (id)"},
		invariant: "pk.tenant_id", object: "public.spots", detail: "primary key spots_pkey (id) lacks tenant_id"},
	{name: "no primary key", sql: []string{"CREATE TABLE notes (tenant_id uuid NOT NULL, body text)"},
		invariant: "pk.tenant_id", object: "public.notes", detail: "no primary key"},
	{name: "no index leading with tenant_id", sql: []string{"CREATE TABLE notes (tenant_id uuid NOT NULL, id uuid PRIMARY KEY)"},
		invariant: "index.tenant_leading", object: "public.notes", detail: "no index starts with tenant_id"},
	{name: "partition without rls", sql: []string{
		`CREATE TABLE events (tenant_id uuid NOT NULL, id uuid NOT NULL, PRIMARY KEY (tenant_id, id))
			PARTITION BY HASH (tenant_id)`,
		"ALTER TABLE events ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY",
		`CREATE POLICY tenant_isolation ON events
			USING (tenant_id = (SELECT NULLIF(current_setting('app.tenant_id', true), '')::uuid))
			WITH CHECK (tenant_id = (SELECT NULLIF(current_setting('app.tenant_id', true), '')::uuid))`,
		"CREATE TABLE events_0 PARTITION OF events FOR VALUES WITH (MODULUS 1, REMAINDER 0)"},
		invariant: "rls.enabled", object: "public.events_0", detail: "disabled"},
	{name: "serial column", sql: []string{"ALTER TABLE spots ADD COLUMN n serial"},
		invariant: "id.no_sequence", object: "public.spots", detail: "n (default nextval('spots_n_seq'::regclass))"},
	{name: "identity column", sql: []string{"ALTER TABLE sites ADD COLUMN n bigint GENERATED ALWAYS AS IDENTITY"},
		invariant: "id.no_sequence", object: "public.sites", detail: "n (identity always)"},
	{name: "table owned by another role", as: "postgres", sql: []string{"ALTER TABLE spots OWNER TO postgres"},
		invariant: "table.owner", object: "public.spots", detail: "owned by postgres, want tenantry_owner"},
	{name: "view without security_invoker", sql: []string{
		"CREATE VIEW spot_counts AS SELECT tenant_id, count(*) FROM spots GROUP BY tenant_id"},
		invariant: "view.security_invoker", object: "public.spot_counts", detail: "runs with its owner's rights over public.spots"},
	{name: "security_invoker reset", sql: []string{"ALTER VIEW spot_labels RESET (security_invoker)"},
		invariant: "view.security_invoker", object: "public.spot_labels", detail: "over public.sites, public.spots"},
	{name: "view over a view", sql: []string{"CREATE VIEW spot_labels_2 AS SELECT * FROM spot_labels"},
		invariant: "view.security_invoker", object: "public.spot_labels_2", detail: "public.sites, public.spots"},
	{name: "materialized view", sql: []string{
		"CREATE MATERIALIZED VIEW spot_totals AS SELECT tenant_id, count(*) FROM spots GROUP BY tenant_id"},
		invariant: "matview.none", object: "public.spot_totals", detail: "public.spots"},
	{name: "definer without search_path", sql: []string{"ALTER FUNCTION site_exists(uuid, text) RESET search_path"},
		invariant: "function.definer", object: "public.site_exists(p_tenant uuid, p_code text)", detail: "no fixed search_path"},
	{name: "definer not allowed", sql: []string{`CREATE FUNCTION spot_count() RETURNS bigint
		LANGUAGE sql SECURITY DEFINER SET search_path = '' AS $$ SELECT count(*) FROM public.spots $$`},
		invariant: "function.definer", object: "public.spot_count()", detail: "not in the allow list"},
	{name: "app may truncate", sql: []string{"GRANT TRUNCATE ON spots TO tenantry_app"},
		invariant: "role.app.no_truncate", object: app, detail: "TRUNCATE on public.spots"},
	{name: "app may reference", sql: []string{"GRANT REFERENCES (id) ON sites TO tenantry_app"},
		invariant: "role.app.no_references", object: app, detail: "REFERENCES on public.sites"},
	{name: "app may create", sql: []string{"GRANT CREATE ON SCHEMA public TO tenantry_app"},
		invariant: "role.app.no_create", object: app, detail: "may CREATE in schema public"},
	{name: "app owns a table", as: "postgres", sql: []string{
		"CREATE TABLE app_notes (id uuid PRIMARY KEY)", "ALTER TABLE app_notes OWNER TO tenantry_app"},
		invariant: "role.app.owns_nothing", object: app, detail: "relation public.app_notes"},
	{name: "app bypasses rls", as: "postgres", ownApp: true, sql: []string{"ALTER ROLE {app} BYPASSRLS"},
		invariant: "role.app.nobypassrls", object: "{app}", detail: "BYPASSRLS"},
	{name: "app superuser", as: "postgres", ownApp: true, sql: []string{"ALTER ROLE {app} SUPERUSER"},
		invariant: "role.app.nosuperuser", object: "{app}", detail: "superuser"},
	{name: "app member of owner", as: "postgres", ownApp: true, sql: []string{"GRANT tenantry_owner TO {app}"},
		invariant: "role.app.memberships", object: "{app}", detail: "member of tenantry_owner"},
	{name: "app inherits ownership", as: "postgres", ownApp: true, sql: []string{"GRANT tenantry_owner TO {app}"},
		invariant: "role.app.owns_nothing", object: "{app}", detail: "relation public.sites (owner tenantry_owner)"},
	{name: "app member of bypassrls role", as: "postgres", ownApp: true, sql: []string{"GRANT tenantry_system TO {app}"},
		invariant: "role.app.memberships", object: "{app}", detail: "member of tenantry_system (BYPASSRLS)"},
	{name: "missing app role", expect: func(e *verify.Expect) { e.AppRole = "no_such_app" },
		invariant: "role.app.exists", object: "no_such_app", detail: "no such role"},
	{name: "superuser owner", expect: func(e *verify.Expect) { e.OwnerRole = "postgres" },
		invariant: "role.owner.nobypassrls", object: "postgres", detail: "superuser"},
	{name: "system extra column", sql: []string{"GRANT SELECT (name) ON sites TO tenantry_system"},
		invariant: "role.system.grants", object: "public.sites", detail: "SELECT on columns not in the registry: name"},
	{name: "system table-level grant", sql: []string{"GRANT SELECT ON spots TO tenantry_system"},
		invariant: "role.system.grants", object: "public.spots", detail: "not in the registry: tenant_id, id, site_id, label, deleted_at"},
	{name: "system missing grant", expect: func(e *verify.Expect) { e.SystemGrants["spots"] = []string{"id"} },
		invariant: "role.system.grants", object: "public.spots", detail: "no SELECT on registered columns: id"},
	{name: "system unknown table", expect: func(e *verify.Expect) { e.SystemGrants["gone"] = []string{"id"} },
		invariant: "role.system.grants", object: "public.gone", detail: "no such table"},
	{name: "system may write", sql: []string{"GRANT UPDATE (code) ON sites TO tenantry_system"},
		invariant: "role.system.read_only", object: system, detail: "public.sites: UPDATE"},
	{name: "no tenant tables", expect: func(e *verify.Expect) { e.Schemas = []string{"pg_catalog"} },
		invariant: "tables.found", object: "pg_catalog", detail: "no table with a tenant_id column"},
}

// TestMutations breaks one rule per test, each in a fresh database, and expects its FAIL line.
func TestMutations(t *testing.T) {
	for _, m := range mutations {
		t.Run(m.name, func(t *testing.T) {
			t.Parallel()
			db := pgtest.NewDB(t)
			e := expect()
			role := app
			if m.ownApp {
				// Roles are cluster-wide: this test's role changes must not reach the others.
				role = uniqueRole("app")
				e.AppRole = role
				exec(t, "postgres", db, "CREATE ROLE "+role+" LOGIN NOSUPERUSER NOBYPASSRLS",
					"GRANT USAGE ON SCHEMA public TO "+role,
					"GRANT SELECT, INSERT, UPDATE, DELETE ON sites, spots TO "+role)
			}
			as := m.as
			if as == "" {
				as = owner
			}
			for _, s := range m.sql {
				exec(t, as, db, strings.ReplaceAll(s, "{app}", role))
			}
			if m.expect != nil {
				m.expect(&e)
			}
			rs := check(t, "postgres", db, e)
			object := strings.ReplaceAll(m.object, "{app}", role)
			r, ok := find(rs, m.invariant, object)
			switch {
			case !ok:
				t.Fatalf("no result for %s %s:\n%s", m.invariant, object, dump(rs))
			case r.Pass:
				t.Fatalf("%s %s passed, want FAIL:\n%s", m.invariant, object, dump(rs))
			case !strings.Contains(r.Detail, m.detail):
				t.Errorf("FAIL %s %s — %s\nwant the detail to contain %q", m.invariant, object, r.Detail, m.detail)
			default:
				t.Logf("FAIL  %s  %s — %s", m.invariant, object, r.Detail)
			}
		})
	}
}

// TestGlobalUnique accepts a unique constraint without tenant_id once it is declared global.
func TestGlobalUnique(t *testing.T) {
	t.Parallel()
	db := pgtest.NewDB(t)
	exec(t, owner, db, "ALTER TABLE spots ADD CONSTRAINT spots_label_only UNIQUE (label)")
	e := expect()
	e.GlobalUnique = map[string][]string{"spots": {"spots_label_only"}}
	rs := check(t, "postgres", db, e)
	if r, ok := find(rs, "unique.tenant_id", "public.spots"); !ok || !r.Pass {
		t.Errorf("unique.tenant_id public.spots = %+v, want PASS:\n%s", r, dump(rs))
	}
}

// TestSystemRoleNotConfigured reports the system role's grants as a passing "not configured" line.
func TestSystemRoleNotConfigured(t *testing.T) {
	t.Parallel()
	db := pgtest.NewDB(t)
	e := expect()
	e.SystemRole = ""
	rs := check(t, "postgres", db, e)
	r, ok := find(rs, "role.system.grants", "-")
	if !ok || !r.Pass || r.Detail != "not configured" {
		t.Errorf("role.system.grants = %+v, want a PASS \"not configured\":\n%s", r, dump(rs))
	}
	for _, r := range rs {
		if strings.HasPrefix(r.Invariant, "role.system.") && r.Object != "-" {
			t.Errorf("unexpected system-role line: %+v", r)
		}
	}
}

// TestCheckNeedsAppRole refuses an Expect without the application role.
func TestCheckNeedsAppRole(t *testing.T) {
	t.Parallel()
	if _, err := verify.Check(t.Context(), nil, verify.Expect{}); err == nil {
		t.Error("Check with no AppRole succeeded")
	}
}
