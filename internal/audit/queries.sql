-- name: InsertEvent :exec
INSERT INTO audit_events (tenant_id, id, principal_kind, actor_id, action, target_type, target_id, outcome, request_id, ip, details)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11);

-- name: InsertSecurityEvent :exec
INSERT INTO security_events (id, action, user_id, outcome, request_id, ip, details)
VALUES ($1, $2, $3, $4, $5, $6, $7);
