/**
 * A whole replay: plans each market's end point and starting point, replays the markets side by
 * side, and (from scratch only) rebuilds balances and compares them, cause by cause, with the
 * recorded ledger and, when the replay covers all of it, with the balances table.
 */
import type { Pool } from '@exchange/db';
import { compareStreamIds } from '@exchange/protocol';
import type { Posting } from '@exchange/ledger';
import {
  balanceMarkets,
  endSeq,
  ledgerHasOtherCauses,
  liveBalances,
  loadAmendLocks,
  loadMarkets,
  loadTransfers,
  recordedCauses,
  snapshotAtOrBelow,
} from './archive';
import { BalanceReplayer, EXTERNAL_ACCOUNT } from './balance-replay';
import { balanceHash, canonicalPostings, sumPostings } from './hash';
import { replayMarket, type MarketPlan } from './market-replay';
import type { BalanceResult, Divergence, ReplayProgress, ReplayRequest, ReplayResult } from './types';

export interface ReplayHooks {
  onProgress?(p: ReplayProgress): void;
  signal?: AbortSignal;
  afterChunk?: () => Promise<void>;
  /** Markets replayed at once, each on two pool connections (default 2). */
  parallelMarkets?: number;
}

/** Runs `work` over `items` with at most `limit` at once; results in item order. */
async function inParallel<T, R>(items: readonly T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const lane = async () => {
    while (next < items.length) {
      const k = next++;
      out[k] = await work(items[k]!);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, lane));
  return out;
}

export interface PlannedReplay {
  plans: MarketPlan[];
  totalEvents: number;
}

/** The end seq and start of every market of the request (no balance side). */
export async function planReplay(pool: Pool, req: ReplayRequest): Promise<PlannedReplay> {
  const rows = await loadMarkets(pool, req.markets);
  const plans: MarketPlan[] = [];
  for (const row of rows) {
    const end = await endSeq(pool, row.config.symbol, req.until);
    const live = await snapshotAtOrBelow(pool, row.config.symbol, end);
    plans.push({ row, end, toCheckpoint: !req.until, start: req.fromSnapshot ? live : null, live, balances: null });
  }
  return { plans, totalEvents: plans.reduce((n, p) => n + p.end - (p.start?.seq ?? 0), 0) };
}

export async function runReplay(pool: Pool, req: ReplayRequest, hooks: ReplayHooks = {}): Promise<ReplayResult> {
  const { plans, totalEvents } = await planReplay(pool, req);
  if (req.mode === 'export') {
    // nothing to rebuild: the result names what GET …/export streams
    return {
      match: true,
      markets: plans.map((p) => ({
        market: p.row.config.symbol,
        seq: p.end,
        fromSeq: 0,
        commands: 0,
        events: p.end,
        replayedHash: '',
        liveHash: null,
        liveSeq: null,
        match: true,
        firstDivergence: null,
      })),
      balances: null,
      exported: plans.reduce((n, p) => n + p.end, 0),
    };
  }
  const balances = req.fromSnapshot ? null : await BalanceCheck.prepare(pool, req, plans);

  let replayed = 0;
  const progress = () =>
    hooks.onProgress?.({
      eventsReplayed: replayed,
      totalEvents,
      percent: totalEvents === 0 ? 100 : Math.min(100, Math.floor((replayed * 100) / totalEvents)),
    });
  const markets = await inParallel(plans, hooks.parallelMarkets ?? 2, (plan) =>
    replayMarket(
      pool,
      plan,
      {
        signal: hooks.signal,
        afterChunk: hooks.afterChunk,
        onEvents: (n) => {
          replayed += n;
          progress();
        },
      },
      req.mode === 'reconstruct' ? { reconstruct: req.depth ?? 100 } : {},
    ),
  );
  progress();
  const balanceResult = balances ? await balances.finish(pool) : null;
  return {
    match: markets.every((m) => m.match) && (balanceResult?.match ?? true),
    markets,
    balances: balanceResult,
  };
}

/** The balance side of one replay: set up before the markets run, compared after. */
class BalanceCheck {
  private first: Divergence | null = null;
  private readonly matched = new Map<string, readonly Posting[]>();

  private constructor(
    readonly replayer: BalanceReplayer,
    private readonly recorded: Map<string, Posting[]>,
    private readonly prefixes: string[],
    private readonly settleTo: Map<string, number>,
    private readonly transfersCut: boolean,
  ) {}

  static async prepare(pool: Pool, req: ReplayRequest, plans: MarketPlan[]): Promise<BalanceCheck> {
    const served = await balanceMarkets(
      pool,
      plans.map((p) => p.row.config.symbol),
    );
    const prefixes = ['t:'];
    const settleTo = new Map<string, number>();
    for (const p of plans) {
      const symbol = p.row.config.symbol;
      if (!served.has(symbol)) continue;
      prefixes.push(`c:${symbol}:`, `e:${symbol}:`);
      settleTo.set(symbol, Math.min(p.end, served.get(symbol)!));
    }
    const client = await pool.connect();
    let recorded: Map<string, Posting[]>;
    try {
      recorded = await recordedCauses(client, prefixes);
    } finally {
      client.release();
    }
    let check: BalanceCheck | undefined = undefined;
    const replayer = new BalanceReplayer((cause, postings, seq) => check!.compare(cause, postings, seq));
    check = new BalanceCheck(replayer, recorded, prefixes, settleTo, !!req.until && 'time' in req.until);
    for (const p of plans) {
      const symbol = p.row.config.symbol;
      if (!settleTo.has(symbol)) continue;
      replayer.addMarket(p.row.config, await loadAmendLocks(pool, symbol));
      p.balances = { replayer, settleTo: settleTo.get(symbol)! };
    }
    for (const t of await loadTransfers(pool, req.until)) replayer.transfer(t);
    return check;
  }

  private diverge(d: Divergence): void {
    if (!this.first || d.seq < this.first.seq) this.first = d;
  }

  private compare(cause: string, postings: Posting[], seq: number): void {
    const stored = this.recorded.get(cause);
    const actual = canonicalPostings(postings);
    const expected = stored ? canonicalPostings(stored) : null;
    if (stored) {
      this.matched.set(cause, stored);
      this.recorded.delete(cause);
    }
    if (expected !== actual) this.diverge({ seq, reason: 'LEDGER_MISMATCH', expected, actual, cause });
  }

  /** After every market ran: causes the ledger holds within the replay's reach but the replay did not produce. */
  async finish(pool: Pool): Promise<BalanceResult> {
    let outside = false;
    for (const [cause, postings] of this.recorded) {
      const covered = this.covers(cause);
      if (covered === null) {
        outside = true;
        continue;
      }
      this.matched.set(cause, postings);
      this.diverge({
        seq: covered,
        reason: 'LEDGER_EXTRA',
        expected: canonicalPostings(postings),
        actual: null,
        cause,
      });
    }
    const replayedLines = this.replayer.lines();
    const replayedHash = balanceHash(replayedLines);
    const useTable = !outside && !(await ledgerHasOtherCauses(pool, this.prefixes));
    const liveLines = useTable ? await liveBalances(pool) : sumPostings(this.matched.values(), EXTERNAL_ACCOUNT);
    const liveHash = balanceHash(liveLines);
    if (replayedHash !== liveHash && !this.first) {
      const key = (l: { account: number; asset: string }) => `${l.account}\u0000${l.asset}`;
      const live = new Map(liveLines.filter((l) => l.available !== 0n || l.locked !== 0n).map((l) => [key(l), l]));
      const mine = new Map(replayedLines.map((l) => [key(l), l]));
      const show = (l?: { available: bigint; locked: bigint; account: number; asset: string }) =>
        l ? { account: l.account, asset: l.asset, available: String(l.available), locked: String(l.locked) } : null;
      for (const k of [...new Set([...live.keys(), ...mine.keys()])].sort()) {
        const a = live.get(k);
        const b = mine.get(k);
        if (a?.available !== b?.available || a?.locked !== b?.locked) {
          this.diverge({ seq: 0, reason: 'BALANCE', expected: show(a), actual: show(b) });
          break;
        }
      }
    }
    return {
      replayedHash,
      liveHash,
      liveSource: useTable ? 'balances' : 'ledger',
      match: this.first === null && replayedHash === liveHash,
      firstDivergence: this.first,
      markets: [...this.settleTo.keys()],
      causes: this.replayer.causes,
    };
  }

  /**
   * The seq a recorded cause belongs to when the replay should have produced it, null when it lies
   * beyond the replay's end point (a later transfer, command or event).
   */
  private covers(cause: string): number | null {
    if (cause.startsWith('t:')) return this.transfersCut ? null : 0;
    const [kind, market, id] = [
      cause[0],
      cause.slice(2, cause.lastIndexOf(':')),
      cause.slice(cause.lastIndexOf(':') + 1),
    ];
    const settleTo = this.settleTo.get(market);
    if (settleTo === undefined) return null;
    if (kind === 'e') return Number(id) <= settleTo ? Number(id) : null;
    const last = this.replayer.lastInput(market);
    return last !== null && compareStreamIds(id, last) <= 0 ? 0 : null;
  }
}
