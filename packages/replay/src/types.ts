/**
 * A replay request and its result: the contract shared by the library, the worker, the gateway's
 * admin routes, the CLI and the admin page.
 */
import { z } from 'zod';

const SYMBOL = /^[A-Z0-9]{2,20}$/;

/** Where a replay stops: a seq (applied to every market of the request), a time, or the end. */
export const untilSchema = z.union([
  z.strictObject({ seq: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER) }),
  z.strictObject({ time: z.iso.datetime({ offset: true }) }),
]);
export type Until = z.infer<typeof untilSchema>;

export const REPLAY_MODES = ['verify', 'reconstruct', 'export'] as const;
export type ReplayMode = (typeof REPLAY_MODES)[number];

export const replayRequestSchema = z.strictObject({
  markets: z.array(z.string().regex(SYMBOL, 'a market symbol')).min(1).max(50),
  until: untilSchema.optional(),
  mode: z.enum(REPLAY_MODES),
  /** Start from the newest engine snapshot at or below the end point instead of the first command. */
  fromSnapshot: z.boolean().optional(),
  /** reconstruct: L2 depth (levels per side) in the result; the L3 is always complete. */
  depth: z.number().int().min(1).max(5000).optional(),
});
export type ReplayRequest = z.infer<typeof replayRequestSchema>;

export type JobState = 'queued' | 'running' | 'completed' | 'failed' | 'cancelled';

export interface ReplayProgress {
  eventsReplayed: number;
  totalEvents: number;
  percent: number;
}

/** The first place replayed and archived (or live) state disagree. */
export interface Divergence {
  /** The seq of the event (or of the state) that differs; for a lock, the seq its command starts at. */
  seq: number;
  reason: DivergenceReason;
  /** What the archive or the live state holds. */
  expected: unknown;
  /** What the replay produced. */
  actual: unknown;
  /** The ledger cause or the command input id involved, when there is one. */
  cause?: string;
}

export type DivergenceReason =
  /** a regenerated event's JSON differs from the archived row */
  | 'EVENT_MISMATCH'
  /** the replay produced an event the archive does not hold */
  | 'EVENT_MISSING'
  /** the archive holds an event no archived command accounts for */
  | 'EVENT_EXTRA'
  /** an archived command's seq range disagrees with what it regenerates */
  | 'SEQ_RANGE'
  /** the replayed book's hash differs from the engine's snapshot at that seq */
  | 'STATE_HASH'
  /** the replay did not land on the engine's checkpoint */
  | 'CHECKPOINT'
  /** a cause's replayed ledger postings differ from the recorded ledger entries */
  | 'LEDGER_MISMATCH'
  /** the ledger holds a cause the replay does not produce */
  | 'LEDGER_EXTRA'
  /** replayed balances differ from live ones */
  | 'BALANCE';

export interface LevelView {
  price: string;
  qty: string;
  count: number;
}

export interface L3OrderView {
  orderId: number;
  accountId: number;
  clientOrderId?: string;
  side: 'buy' | 'sell';
  price: string;
  qty: string;
  remaining: string;
  visible: string;
}

export interface ReconstructedBook {
  seq: number;
  stateHash: string;
  l2: { bids: LevelView[]; asks: LevelView[] };
  l3: { bids: L3OrderView[]; asks: L3OrderView[] };
}

export interface MarketResult {
  market: string;
  /** The seq the replay reached (the last event at or below the end point). */
  seq: number;
  /** The seq it started after: 0, or the snapshot's. */
  fromSeq: number;
  commands: number;
  events: number;
  /** Book stateHash() after the replay. */
  replayedHash: string;
  /** The live engine's hash: its newest snapshot at or below `seq` (null when it has none). */
  liveHash: string | null;
  /** The seq of `liveHash`; the replay's hash at that seq is what it is compared with. */
  liveSeq: number | null;
  match: boolean;
  firstDivergence: Divergence | null;
  book?: ReconstructedBook;
}

export interface BalanceResult {
  /** sha256 over (account, asset, available, locked), see balanceHash. */
  replayedHash: string;
  liveHash: string;
  /** 'balances': the balances table (the replay covers every cause the ledger holds); 'ledger': the sum of the recorded entries of the causes the replay covers. */
  liveSource: 'balances' | 'ledger';
  match: boolean;
  firstDivergence: Divergence | null;
  /** Markets whose locks and settlement are in it (those the balance manager serves). */
  markets: string[];
  causes: number;
}

export interface ReplayResult {
  match: boolean;
  markets: MarketResult[];
  balances: BalanceResult | null;
  /** export mode: events written. */
  exported?: number;
}

/** What GET /v1/admin/replays/:jobId answers. */
export interface ReplayJobView {
  jobId: string;
  mode: ReplayMode;
  markets: string[];
  until: Until | null;
  fromSnapshot: boolean;
  state: JobState;
  progress: ReplayProgress;
  result: ReplayResult | null;
  error?: { code: string; message: string };
  requestedBy: { keyId: string; accountId: number } | null;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  attempts: number;
}
