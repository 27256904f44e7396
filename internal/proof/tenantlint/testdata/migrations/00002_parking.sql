-- +goose Up
-- +goose StatementBegin
CREATE TABLE public.spaces (
    tenant_id uuid NOT NULL,
    id uuid NOT NULL,
    site_id uuid NOT NULL,
    code text NOT NULL,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, site_id) REFERENCES sites (tenant_id, id)
);
-- +goose StatementEnd

CREATE TABLE bookings (
    tenant_id uuid NOT NULL,
    id uuid NOT NULL,
    space_id uuid NOT NULL,
    user_id uuid NOT NULL,
    PRIMARY KEY (tenant_id, id)
);

CREATE TABLE audit_log (id uuid PRIMARY KEY, body text);
ALTER TABLE audit_log ADD COLUMN tenant_id uuid NOT NULL;

CREATE TABLE scratch (tenant_id uuid NOT NULL);
DROP TABLE scratch;

-- +goose StatementBegin
DO $$
BEGIN
    EXECUTE 'ALTER TABLE spaces ENABLE ROW LEVEL SECURITY';
END
$$;
-- +goose StatementEnd

-- +goose Down
DROP TABLE audit_log;
DROP TABLE bookings;
DROP TABLE spaces;
