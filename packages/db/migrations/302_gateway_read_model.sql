-- Gateway read model, projected from the `events` archive (seq order per market). Each batch is
-- applied in one transaction together with its checkpoint, so every event counts exactly once.
-- Prices are integer ticks, quantities integer lots, quote budgets tick·lot units, money NUMERIC
-- minor units; the gateway formats them with the market's units on the way out.
CREATE TABLE projection_checkpoints (
  market    text PRIMARY KEY,
  last_seq  bigint NOT NULL DEFAULT 0,
  updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE orders (
  order_id         bigint PRIMARY KEY,
  market           text   NOT NULL,
  account_id       bigint NOT NULL,
  client_order_id  text,
  -- null only for a place the book rejected (the rejected event does not repeat the order)
  side             text CHECK (side IN ('buy', 'sell')),
  order_type       text,
  tif              text,
  post_only        boolean,
  stp              text,
  price            bigint,
  stop_price       bigint,
  qty              bigint,
  quote_qty        bigint,
  display_qty      bigint,
  filled           bigint NOT NULL DEFAULT 0,
  -- cumulative notional in quote minor units and fees charged so far (ADR 0004: per order, rounded up)
  filled_quote     numeric(38,0) NOT NULL DEFAULT 0,
  fee              numeric(38,0) NOT NULL DEFAULT 0,
  status           text NOT NULL CHECK (status IN ('NEW', 'PARTIALLY_FILLED', 'FILLED', 'CANCELED', 'REJECTED', 'EXPIRED')),
  reject_reason    text,
  cancel_reason    text,
  created_seq      bigint NOT NULL,
  updated_seq      bigint NOT NULL,
  created_ts       bigint NOT NULL,
  updated_ts       bigint NOT NULL
);
CREATE INDEX orders_account_history ON orders (account_id, order_id DESC);
CREATE INDEX orders_account_client_id ON orders (account_id, client_order_id);
CREATE INDEX orders_open ON orders (account_id, market) WHERE status IN ('NEW', 'PARTIALLY_FILLED');

-- Public trades, one per trade event.
CREATE TABLE trades (
  market     text   NOT NULL,
  trade_id   bigint NOT NULL,
  price      bigint NOT NULL,
  qty        bigint NOT NULL,
  aggressor  text   NOT NULL,
  seq        bigint NOT NULL,
  ts         bigint NOT NULL,
  PRIMARY KEY (market, trade_id)
);
CREATE INDEX trades_market_ts ON trades (market, ts);

-- Private fills: each trade is two fills, the maker's and the taker's.
CREATE TABLE fills (
  -- projection order across markets: the cursor of a fills page
  id          bigserial UNIQUE,
  market      text   NOT NULL,
  trade_id    bigint NOT NULL,
  role        text   NOT NULL CHECK (role IN ('maker', 'taker')),
  order_id    bigint NOT NULL,
  account_id  bigint NOT NULL,
  side        text   NOT NULL,
  price       bigint NOT NULL,
  qty         bigint NOT NULL,
  fee         numeric(38,0) NOT NULL,
  seq         bigint NOT NULL,
  ts          bigint NOT NULL,
  PRIMARY KEY (market, trade_id, role)
);
CREATE INDEX fills_account ON fills (account_id, id DESC);
CREATE INDEX fills_order ON fills (order_id);

-- L2 book from `level` events: a level's visible total; a 0 deletes the row.
CREATE TABLE book_levels (
  market  text    NOT NULL,
  side    text    NOT NULL CHECK (side IN ('buy', 'sell')),
  price   bigint  NOT NULL,
  qty     bigint  NOT NULL,
  count   integer NOT NULL,
  PRIMARY KEY (market, side, price)
);
