-- Every tenant table is keyed (tenant_id, id), as the isolation contract asks; a key row is still
-- found by (tenant_id, principal, key), its primary key.

-- +goose Up
ALTER TABLE idempotency_keys ADD COLUMN id uuid NOT NULL DEFAULT gen_random_uuid();
ALTER TABLE idempotency_keys ADD CONSTRAINT idempotency_keys_tenant_id_id_key UNIQUE (tenant_id, id);

-- +goose Down
ALTER TABLE idempotency_keys DROP COLUMN id;
