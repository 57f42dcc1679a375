-- Gateway: API keys and the admin audit log.
-- An API key belongs to one account. Its secret is stored encrypted (AES-256-GCM under the gateway's
-- master key, the key id as associated data): HMAC verification needs the plaintext, so a hash won't do.
CREATE TABLE api_keys (
  id            text PRIMARY KEY CHECK (id ~ '^ak_[A-Za-z0-9]{16,64}$'),
  account_id    bigint NOT NULL CHECK (account_id > 0),
  label         text   NOT NULL DEFAULT '' CHECK (length(label) <= 100),
  -- iv (12 bytes) | auth tag (16 bytes) | ciphertext
  secret_enc    bytea  NOT NULL,
  -- a new key reads only; trade and admin are granted explicitly
  scopes        text[] NOT NULL DEFAULT '{read}' CHECK (scopes <@ ARRAY['read', 'trade', 'admin']::text[]),
  -- IPs or CIDRs; empty = any address
  ip_allowlist  text[] NOT NULL DEFAULT '{}',
  created_at    timestamptz NOT NULL DEFAULT now(),
  updated_at    timestamptz NOT NULL DEFAULT now(),
  revoked_at    timestamptz
);
CREATE INDEX api_keys_account ON api_keys (account_id);

-- Every admin action, successful or refused, with who asked, from where, and what came of it.
CREATE TABLE audit_log (
  id                bigserial PRIMARY KEY,
  at                timestamptz NOT NULL DEFAULT now(),
  actor_key_id      text   NOT NULL,
  actor_account_id  bigint NOT NULL,
  ip                text,
  action            text   NOT NULL,
  target            text,
  request           jsonb  NOT NULL,
  status            integer NOT NULL,
  outcome           jsonb
);
CREATE INDEX audit_log_at ON audit_log (at);
