-- 005: fixes from a penetration test. A librarian must have a password: an email alone proves
-- nothing, so a guest of open-key mode can never hold admin. Failed password checks are counted
-- on the member with a lock-until time, so the backoff holds on every worker and host. A used
-- refresh token names its successor (and the access token issued with it), so a retry within
-- the grace window gets the same pair again instead of revoking the session.

UPDATE members SET role = 'member' WHERE role = 'librarian' AND password_hash IS NULL;

ALTER TABLE members
    ADD CONSTRAINT members_librarian_has_password CHECK (role <> 'librarian' OR password_hash IS NOT NULL),
    ADD COLUMN failed_logins integer NOT NULL DEFAULT 0 CHECK (failed_logins >= 0),
    ADD COLUMN locked_until  timestamptz;

ALTER TABLE refresh_tokens
    ADD COLUMN access_jti   text CHECK (length(access_jti) BETWEEN 8 AND 64),
    ADD COLUMN successor_id bigint REFERENCES refresh_tokens (id) ON DELETE SET NULL;
-- deploy/maintain deletes expired refresh tokens; each deletion clears the successor link to it.
CREATE INDEX refresh_tokens_successor_idx ON refresh_tokens (successor_id);
