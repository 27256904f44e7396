-- Tenant policies read the setting once per statement instead of once per row or index lookup.
--
-- The policies were written as `tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid`.
-- current_setting is STABLE, so PostgreSQL evaluates that expression again for every index scan
-- it starts: a space-list page reads v_spaces, whose lateral lookups start four scans per row (the
-- site, the tenant, the override and the reservation in force), each evaluating the setting, NULLIF
-- and the cast. Wrapped in a scalar subquery, `(SELECT NULLIF(...)::uuid)`, it becomes an InitPlan:
-- evaluated once per statement, its value a parameter of every scan (docs/performance.md: the list
-- query under RLS, pgbench, from 0.82-0.86 of the BYPASSRLS rate to 0.90-0.91). The reading is the
-- same, fail-closed form: unset or '' gives NULL, and NULL matches no row.
--
-- `tenantry verify` (rls.initplan) demands this form on every tenant table, so tables added after
-- this migration write it in their CREATE POLICY. This migration rewrites the policies written
-- before it: every policy of this schema whose USING and WITH CHECK are both exactly the old form,
-- on whichever column (tenants compares its id), and nothing else.

-- +goose Up
-- +goose StatementBegin
DO $$
DECLARE
    p record;
    col text;
BEGIN
    FOR p IN
        SELECT c.relname, pol.polname,
               pg_get_expr(pol.polqual, pol.polrelid) AS using_expr,
               pg_get_expr(pol.polwithcheck, pol.polrelid) AS check_expr
        FROM pg_policy pol
        JOIN pg_class c ON c.oid = pol.polrelid
        WHERE c.relnamespace = current_schema()::regnamespace
        ORDER BY c.relname
    LOOP
        col := (regexp_match(p.using_expr,
            '^\((\w+) = \(NULLIF\(current_setting\(''app\.tenant_id''::text, true\), ''''::text\)\)::uuid\)$'))[1];
        CONTINUE WHEN col IS NULL OR p.check_expr IS DISTINCT FROM p.using_expr;
        EXECUTE format(
            'ALTER POLICY %I ON %I USING (%I = (SELECT NULLIF(current_setting(''app.tenant_id'', true), '''')::uuid))'
            ' WITH CHECK (%3$I = (SELECT NULLIF(current_setting(''app.tenant_id'', true), '''')::uuid))',
            p.polname, p.relname, col);
    END LOOP;
END
$$;
-- +goose StatementEnd

-- +goose Down
-- Nothing to undo: the rewritten policies select exactly the rows the old ones did, and the code of
-- every earlier version reads them as fail-closed (its verify looks for the NULLIF read, which the
-- subquery contains). Going back to the per-row form would only make statements slower.
