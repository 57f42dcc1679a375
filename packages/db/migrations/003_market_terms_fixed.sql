-- A market's terms are fixed at creation: the engine's book, its replays and settlement's fee and
-- lock rules all read them, and a replay re-runs the whole command log against today's row. Changing
-- one later would make the archive irreproducible (a different tick, lot, fee or cap would give other
-- events), so an UPDATE may change only `status` (halt/resume, written by the engine from its log)
-- and `shard` (which engine owns the book). A new market is the way to new terms.
CREATE FUNCTION markets_forbid_term_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF (NEW.symbol, NEW.base, NEW.quote, NEW.tick_size, NEW.lot_size, NEW.min_qty, NEW.min_notional,
      NEW.maker_fee_bps, NEW.taker_fee_bps, NEW.max_open_orders, NEW.created_at)
     IS DISTINCT FROM
     (OLD.symbol, OLD.base, OLD.quote, OLD.tick_size, OLD.lot_size, OLD.min_qty, OLD.min_notional,
      OLD.maker_fee_bps, OLD.taker_fee_bps, OLD.max_open_orders, OLD.created_at) THEN
    RAISE EXCEPTION 'the terms of market % are fixed at creation; only status and shard may change', OLD.symbol
      USING ERRCODE = 'restrict_violation';
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER markets_terms_fixed BEFORE UPDATE ON markets
  FOR EACH ROW EXECUTE FUNCTION markets_forbid_term_change();
