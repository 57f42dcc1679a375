-- Assets and markets: the configuration every service reads. Amounts elsewhere are integers in
-- each asset's minor units (NUMERIC(38,0): an 18-decimal asset overflows BIGINT at 9.2 units).
CREATE TABLE assets (
  code      text PRIMARY KEY CHECK (code ~ '^[A-Z0-9]{1,12}$'),
  decimals  smallint NOT NULL CHECK (decimals BETWEEN 0 AND 18)
);

CREATE TABLE markets (
  symbol         text PRIMARY KEY CHECK (symbol ~ '^[A-Z0-9]{2,20}$'),
  base           text NOT NULL REFERENCES assets(code),
  quote          text NOT NULL REFERENCES assets(code),
  -- decimal strings, exactly as configured; @exchange/units validates and compiles them
  tick_size      text NOT NULL,
  lot_size       text NOT NULL,
  min_qty        text NOT NULL,
  min_notional   text NOT NULL DEFAULT '0',
  maker_fee_bps  integer NOT NULL DEFAULT 10 CHECK (maker_fee_bps BETWEEN 0 AND 1000),
  taker_fee_bps  integer NOT NULL DEFAULT 10 CHECK (taker_fee_bps BETWEEN 0 AND 1000),
  status         text NOT NULL DEFAULT 'trading' CHECK (status IN ('trading', 'halted')),
  -- which engine shard owns the market's book
  shard          text NOT NULL DEFAULT 'default',
  created_at     timestamptz NOT NULL DEFAULT now(),
  CHECK (base <> quote)
);
