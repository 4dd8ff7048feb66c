-- 0006: project-scoped API tokens for the REST API (api/). Only the SHA-256 of a token is kept:
-- the token itself is printed once by `backupctl token create` and never stored or logged. A
-- revoked token keeps its row (who had access when) with revoked_at set.
CREATE TABLE api_tokens (
    id           uuid PRIMARY KEY,
    token_sha256 bytea NOT NULL UNIQUE CHECK (length(token_sha256) = 32),
    project_id   text NOT NULL CHECK (length(project_id) BETWEEN 1 AND 64),
    role         text NOT NULL CHECK (role IN ('reader', 'member', 'admin')),
    description  text NOT NULL DEFAULT '',
    created_at   timestamptz NOT NULL DEFAULT now(),
    revoked_at   timestamptz
);
