-- Balance manager: accounts, balances, the double-entry ledger, transfers, order locks and the
-- checkpoints of its two stages (lock stage on cmd:{market}, settlement on the events archive).
-- Amounts are integers in each asset's minor units (NUMERIC(38,0)), never floats (ADR 0001).

-- users trade; the fee account collects fees; the external account is the world outside the
-- exchange (deposits come from it, withdrawals go to it), so that every asset sums to zero.
CREATE TABLE accounts (
  id          bigint PRIMARY KEY,
  owner       text   NOT NULL,
  tenant      text   NOT NULL DEFAULT 'default',
  kind        text   NOT NULL CHECK (kind IN ('user', 'fee', 'external')),
  created_at  timestamptz NOT NULL DEFAULT now(),
  -- commands carry positive account ids: system accounts are negative and can never trade
  CHECK ((kind = 'user') = (id > 0))
);
CREATE SEQUENCE account_ids AS bigint START 1;
INSERT INTO accounts (id, owner, kind) VALUES (-1, 'exchange', 'fee'), (-2, 'world', 'external');

-- The current state, derivable from ledger_entries. The external account has no row here: its
-- balance is minus everything deposited and not withdrawn.
CREATE TABLE balances (
  account    bigint NOT NULL REFERENCES accounts (id),
  asset      text   NOT NULL REFERENCES assets (code),
  available  numeric(38, 0) NOT NULL DEFAULT 0,
  locked     numeric(38, 0) NOT NULL DEFAULT 0,
  PRIMARY KEY (account, asset),
  CHECK (available >= 0 AND locked >= 0)
) WITH (fillfactor = 80);

-- Append-only double entry. Every change to a balance is the set of entries of one cause, which
-- sums to zero per asset. A cause is
--   e:{market}:{seq}        an event of the archive (settlement)
--   c:{market}:{entry id}   a command of cmd:{market} (the lock stage's locks)
--   t:{transfer id}         a deposit or withdrawal
-- and is recorded once in ledger_causes, in the same transaction as its entries: applying a cause
-- a second time fails on that primary key instead of counting twice (ADR 0032).
CREATE TABLE ledger_causes (
  cause       text     PRIMARY KEY,
  entries     smallint NOT NULL CHECK (entries >= 0),
  created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE ledger_entries (
  id          bigint GENERATED ALWAYS AS IDENTITY (CACHE 1000),
  cause       text     NOT NULL,
  line        smallint NOT NULL,
  account     bigint   NOT NULL,
  asset       text     NOT NULL,
  bucket      text     NOT NULL CHECK (bucket IN ('available', 'locked')),
  amount      numeric(38, 0) NOT NULL CHECK (amount <> 0),
  created_at  timestamptz NOT NULL DEFAULT now()
);
-- history of an account, newest first, keyset-paginated by id (the table's only index: every
-- index costs each of the ~5 entries of a trade, see docs/adr/0032)
CREATE INDEX ledger_entries_account ON ledger_entries (account, id);

-- Deposits and withdrawals by admins; id is the caller's idempotency key.
CREATE TABLE transfers (
  id          text   PRIMARY KEY CHECK (length(id) BETWEEN 1 AND 128),
  kind        text   NOT NULL CHECK (kind IN ('deposit', 'withdrawal')),
  account     bigint NOT NULL REFERENCES accounts (id),
  asset       text   NOT NULL REFERENCES assets (code),
  amount      numeric(38, 0) NOT NULL CHECK (amount > 0),
  created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE FUNCTION bm_forbid_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION '% is append-only', TG_TABLE_NAME USING ERRCODE = 'restrict_violation';
END $$;
CREATE TRIGGER ledger_entries_append_only BEFORE UPDATE OR DELETE ON ledger_entries
  FOR EACH ROW EXECUTE FUNCTION bm_forbid_change();
CREATE TRIGGER ledger_entries_no_truncate BEFORE TRUNCATE ON ledger_entries
  FOR EACH STATEMENT EXECUTE FUNCTION bm_forbid_change();
CREATE TRIGGER ledger_causes_append_only BEFORE UPDATE OR DELETE ON ledger_causes
  FOR EACH ROW EXECUTE FUNCTION bm_forbid_change();
CREATE TRIGGER ledger_causes_no_truncate BEFORE TRUNCATE ON ledger_causes
  FOR EACH STATEMENT EXECUTE FUNCTION bm_forbid_change();
CREATE TRIGGER transfers_append_only BEFORE UPDATE OR DELETE ON transfers
  FOR EACH ROW EXECUTE FUNCTION bm_forbid_change();
CREATE TRIGGER transfers_no_truncate BEFORE TRUNCATE ON transfers
  FOR EACH STATEMENT EXECUTE FUNCTION bm_forbid_change();

-- One row per order the lock stage let through. The lock stage inserts it; settlement alone
-- updates it as the order's events arrive (ADR 0031). `locked` is what is held for the order in
-- the account's locked bucket of `asset`, excluding extras of amends not yet settled.
CREATE TABLE order_locks (
  market          text    NOT NULL,
  order_id        bigint  NOT NULL,
  account         bigint  NOT NULL,
  command_id      text    NOT NULL,
  input_id        text    NOT NULL,
  client_order_id text,
  side            text    NOT NULL CHECK (side IN ('buy', 'sell')),
  kind            text    NOT NULL CHECK (kind IN ('limit', 'base', 'budget')),
  asset           text    NOT NULL,
  -- limit or protection price (ticks), total qty (lots) as last amended, filled lots
  price           bigint,
  qty             bigint,
  filled          bigint  NOT NULL DEFAULT 0,
  locked          numeric(38, 0) NOT NULL CHECK (locked >= 0),
  -- cumulative notional, fee weight (Σ notional × bps) and fees of its fills
  notional        numeric(38, 0) NOT NULL DEFAULT 0,
  fee_weight      numeric(42, 0) NOT NULL DEFAULT 0,
  fees            numeric(38, 0) NOT NULL DEFAULT 0,
  maker_bps       integer NOT NULL,
  taker_bps       integer NOT NULL,
  closed          boolean NOT NULL DEFAULT false,
  PRIMARY KEY (market, order_id)
) WITH (fillfactor = 70);
CREATE INDEX order_locks_client_id ON order_locks (market, account, client_order_id)
  WHERE client_order_id IS NOT NULL;

-- The extra an amend locked, until settlement sees the amend's outcome: `amended` moves it into
-- the order's lock (releasing any surplus), `rejected` releases it. price/qty: the amend's target
-- (null = unchanged), which the lock stage needs while the amend is pending.
CREATE TABLE amend_locks (
  market      text   NOT NULL,
  command_id  text   NOT NULL,
  input_id    text   NOT NULL,
  order_id    bigint NOT NULL,
  account     bigint NOT NULL,
  asset       text   NOT NULL,
  amount      numeric(38, 0) NOT NULL CHECK (amount >= 0),
  price       bigint,
  qty         bigint,
  status      text   NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'applied', 'released')),
  PRIMARY KEY (market, command_id)
);
CREATE INDEX amend_locks_pending ON amend_locks (market, order_id) WHERE status = 'pending';

-- Commands the lock stage refused (forwarded with r): a re-forward after a crash repeats the same r.
CREATE TABLE lock_refusals (
  market    text NOT NULL,
  input_id  text NOT NULL,
  reason    text NOT NULL,
  PRIMARY KEY (market, input_id)
);

-- Last cmd:{market} entry whose locks are committed (stored with them, in the same transaction).
CREATE TABLE lock_checkpoints (
  market         text   PRIMARY KEY,
  last_input_id  text   NOT NULL,
  updated_at     timestamptz NOT NULL DEFAULT now()
);

-- Last archived event seq settled (stored with its effects, in the same transaction).
CREATE TABLE settlement_checkpoints (
  market      text   PRIMARY KEY,
  last_seq    bigint NOT NULL CHECK (last_seq >= 0),
  updated_at  timestamptz NOT NULL DEFAULT now()
);
