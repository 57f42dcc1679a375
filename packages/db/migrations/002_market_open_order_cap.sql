-- The most orders one account may have open in a market (resting, or stops waiting), enforced by the
-- book itself, like Binance's MAX_NUM_ORDERS: the gateway's account-wide check reads the read model,
-- which lags, so a burst could get past it; the book cannot be raced (ADR 0024). NULL: no cap in
-- the book. Fixed at creation, like the units: a replay re-runs the command log against it.
ALTER TABLE markets ADD COLUMN max_open_orders integer CHECK (max_open_orders BETWEEN 1 AND 100000);
