-- Password hashes and TOTP state, one row per user of the users service.
CREATE TABLE auth_credentials (
  user_id BIGINT PRIMARY KEY,
  password_hash TEXT NOT NULL,
  totp_secret TEXT,
  totp_pending_secret TEXT,
  totp_enabled INTEGER NOT NULL DEFAULT 0,
  totp_last_step BIGINT NOT NULL DEFAULT 0,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);

-- Single-use recovery codes, stored as SHA-256 hashes of their normalised form.
CREATE TABLE auth_recovery_codes (
  id BIGSERIAL PRIMARY KEY,
  user_id BIGINT NOT NULL,
  code_hash TEXT NOT NULL,
  used_at BIGINT,
  created_at BIGINT NOT NULL,
  UNIQUE (user_id, code_hash)
);

-- A login session is one refresh-token family; access tokens carry its id as "sid".
CREATE TABLE auth_sessions (
  id TEXT PRIMARY KEY,
  user_id BIGINT NOT NULL,
  client_address TEXT NOT NULL DEFAULT '',
  user_agent TEXT NOT NULL DEFAULT '',
  created_at BIGINT NOT NULL,
  last_used_at BIGINT NOT NULL,
  expires_at BIGINT NOT NULL,
  revoked_at BIGINT,
  revoked_reason TEXT
);

CREATE INDEX auth_sessions_by_user ON auth_sessions (user_id);

-- Refresh tokens by SHA-256 hash. A token with used_at set was rotated; presenting it again
-- revokes its session.
CREATE TABLE auth_refresh_tokens (
  token_hash TEXT PRIMARY KEY,
  session_id TEXT NOT NULL,
  user_id BIGINT NOT NULL,
  created_at BIGINT NOT NULL,
  expires_at BIGINT NOT NULL,
  used_at BIGINT
);

CREATE INDEX auth_refresh_tokens_by_session ON auth_refresh_tokens (session_id);

-- The pending second step of a login with TOTP.
CREATE TABLE auth_mfa_challenges (
  token_hash TEXT PRIMARY KEY,
  user_id BIGINT NOT NULL,
  client_address TEXT NOT NULL DEFAULT '',
  attempts INTEGER NOT NULL DEFAULT 0,
  created_at BIGINT NOT NULL,
  expires_at BIGINT NOT NULL,
  used_at BIGINT
);

-- ES256 keys that sign access tokens; the oldest active key signs, all of them verify.
CREATE TABLE auth_signing_keys (
  kid TEXT PRIMARY KEY,
  private_pem TEXT NOT NULL,
  public_pem TEXT NOT NULL,
  active INTEGER NOT NULL DEFAULT 1,
  created_at BIGINT NOT NULL
);
