-- Changing a user's e-mail address (identity/email_change.go): a single-use token of purpose
-- 'email_change' is mailed to the new address and carries that address until it is confirmed; the
-- users row keeps the old one (the sign-in address) until then. Only a token of that purpose has
-- an address. The application may now set a user's address (its own row only: the users policy's
-- WITH CHECK; users_email_key keeps it unique).

-- +goose Up
ALTER TABLE user_tokens ADD COLUMN email text
    CHECK (char_length(email) BETWEEN 3 AND 254 AND email LIKE '%_@_%');
ALTER TABLE user_tokens DROP CONSTRAINT user_tokens_purpose_check;
ALTER TABLE user_tokens ADD CONSTRAINT user_tokens_purpose_check
    CHECK (purpose IN ('password_reset', 'verify_email', 'email_change'));
ALTER TABLE user_tokens ADD CONSTRAINT user_tokens_email_purpose_check
    CHECK ((purpose = 'email_change') = (email IS NOT NULL));
GRANT UPDATE (email) ON users TO tenantry_app;

-- +goose Down
REVOKE UPDATE (email) ON users FROM tenantry_app;
DELETE FROM user_tokens WHERE purpose = 'email_change';
ALTER TABLE user_tokens DROP CONSTRAINT user_tokens_email_purpose_check;
ALTER TABLE user_tokens DROP CONSTRAINT user_tokens_purpose_check;
ALTER TABLE user_tokens ADD CONSTRAINT user_tokens_purpose_check
    CHECK (purpose IN ('password_reset', 'verify_email'));
ALTER TABLE user_tokens DROP COLUMN email;
