-- Passwords without a technician: an admin's reset sets a temporary password that must be
-- changed at the next login; a forgotten password is reset by a single-use emailed link
-- (only the token's hash is kept). Existing users keep their passwords and need not change them.
ALTER TABLE users ADD COLUMN must_change_password BOOLEAN NOT NULL DEFAULT FALSE;

CREATE TABLE password_resets (
    id BIGSERIAL PRIMARY KEY,
    token_hash TEXT NOT NULL UNIQUE,
    user_id BIGINT NOT NULL REFERENCES users(id),
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    used_at TIMESTAMP
);
CREATE INDEX password_resets_user ON password_resets(user_id, created_at);
