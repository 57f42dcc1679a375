/**
 * pnpm bench:orderbook — our OrderBook against nodejs-order-book on the same seeded workloads, in
 * one process. Progress goes to stderr; stdout ends with exactly one JSON line.
 *
 * Method: each workload is generated up front (untimed). Both books get the same warm-up on smaller
 * workloads, then an untimed sanity pass on each measured workload (trades, traded lots and the
 * complete final book must match each other and the generator's reference model, or we exit 1).
 * Throughput: REPS_OURS / REPS_PEER passes, interleaved ours/peer, each on a fresh book with the
 * prefill applied untimed and a gc() before the clock starts; the reported figure is the MEDIAN pass.
 */
import { cpus, loadavg } from 'node:os';
import type { RestingRow } from './model';
import { fillOurs, newOurBook, ourLevels, ourResting, runOurs, runOursCounted, runOursTimed } from './ours';
import { fillPeer, newPeerBook, PEER_VERSION, peerResting, runPeer, runPeerCounted } from './peer';
import { gc, heapPerItem, median, percentile, round, sortedDiffs, timerOverhead } from './stats';
import { generate, type Workload, type WorkloadSpec } from './workload';

/** Measured passes per book. Ours gets more because its passes are short (0.1-1 s) and so noisier. */
const REPS_OURS = 5;
const REPS_PEER = 3;
const SHALLOW: WorkloadSpec = {
  name: 'shallow',
  seed: 0x5eed1,
  ops: 1_000_000,
  resting: 5000,
  band: 500,
  skew: 3,
  crossProb: 0.05,
};
/**
 * Scaled down: the peer runs at ~10-15k ops/s here (removing an order from a level, by cancel or by a
 * full fill, re-indexes every order in that level), so 1M ops would take minutes per pass.
 */
const DEEP: WorkloadSpec = {
  name: 'deep',
  seed: 0x5eed2,
  ops: 100_000,
  resting: 6000,
  band: 8,
  skew: 1,
  crossProb: 0.05,
};
const HEAP_ORDERS = 1_000_000;
const HEAP_LEVELS_PER_SIDE = 1000;

const log = (msg: string): void => void process.stderr.write(`[bench] ${msg}\n`);
const secs = (t0: bigint): number => Number(process.hrtime.bigint() - t0) / 1e9;

function timeOurs(w: Workload): number {
  const book = newOurBook(w);
  gc();
  const t0 = process.hrtime.bigint();
  runOurs(book, w.ours);
  return secs(t0);
}

function timePeer(w: Workload): number {
  const ob = newPeerBook(w);
  gc();
  const t0 = process.hrtime.bigint();
  runPeer(ob, w);
  return secs(t0);
}

const failures: string[] = [];
function check(what: string, ok: boolean, detail: string): void {
  if (!ok) failures.push(`${what}: ${detail}`);
}

function firstDiff(a: RestingRow[], b: RestingRow[]): string {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    if (JSON.stringify(a[i]) !== JSON.stringify(b[i]))
      return `row ${i}: ${JSON.stringify(a[i])} vs ${JSON.stringify(b[i])}`;
  }
  return 'equal';
}

/** Untimed: both books must produce the model's trades and end with exactly the model's resting orders. */
function sanity(w: Workload) {
  const name = w.spec.name;
  const ours = newOurBook(w);
  const oc = runOursCounted(ours, w.ours);
  const peer = newPeerBook(w);
  const pc = runPeerCounted(peer, w);
  const e = w.expected;
  const oRows = ourResting(ours);
  const pRows = peerResting(peer);
  const [pAsks, pBids] = peer.depth();
  const levels = ourLevels(ours);
  log(
    `${name}: trades ours=${oc.trades} peer=${pc.trades} model=${e.trades}; lots ours=${oc.volume} peer=${pc.volume} model=${e.volume}`,
  );
  log(
    `${name}: resting ours=${oRows.length} peer=${pRows.length} model=${e.resting.length}; best bid/ask ours=${ours.bestBid()}/${ours.bestAsk()} peer=${pBids[0]?.[0]}/${pAsks[0]?.[0]}`,
  );
  check(
    `${name} trades`,
    oc.trades === e.trades && pc.trades === e.trades,
    `ours ${oc.trades}, peer ${pc.trades}, model ${e.trades}`,
  );
  check(
    `${name} traded lots`,
    oc.volume === e.volume && pc.volume === e.volume,
    `ours ${oc.volume}, peer ${pc.volume}, model ${e.volume}`,
  );
  check(`${name} rejections/errors`, oc.errors === 0 && pc.errors === 0, `ours ${oc.errors}, peer ${pc.errors}`);
  check(
    `${name} missed cancels`,
    oc.missedCancels === 0 && pc.missedCancels === 0,
    `ours ${oc.missedCancels}, peer ${pc.missedCancels}`,
  );
  check(`${name} ours book vs model`, JSON.stringify(oRows) === JSON.stringify(e.resting), firstDiff(oRows, e.resting));
  check(`${name} peer book vs model`, JSON.stringify(pRows) === JSON.stringify(e.resting), firstDiff(pRows, e.resting));
  check(
    `${name} best bid`,
    ours.bestBid() === e.bestBid && pBids[0]?.[0] === e.bestBid,
    `ours ${ours.bestBid()}, peer ${pBids[0]?.[0]}, model ${e.bestBid}`,
  );
  check(
    `${name} best ask`,
    ours.bestAsk() === e.bestAsk && pAsks[0]?.[0] === e.bestAsk,
    `ours ${ours.bestAsk()}, peer ${pAsks[0]?.[0]}, model ${e.bestAsk}`,
  );
  check(
    `${name} levels`,
    levels.bids === pBids.length &&
      levels.asks === pAsks.length &&
      levels.bids === e.bidLevels &&
      levels.asks === e.askLevels,
    `ours ${levels.bids}/${levels.asks}, peer ${pBids.length}/${pAsks.length}, model ${e.bidLevels}/${e.askLevels}`,
  );
  return {
    trades: { ours: oc.trades, peer: pc.trades, model: e.trades },
    traded_lots: { ours: oc.volume, peer: pc.volume, model: e.volume },
  };
}

function latency(w: Workload) {
  const n = w.ours.length;
  const starts = new BigInt64Array(n);
  const ends = new BigInt64Array(n);
  const book = newOurBook(w);
  gc();
  runOursTimed(book, w.ours, starts, ends);
  const d = sortedDiffs(starts, ends, n);
  const us = (p: number): number => round(percentile(d, p) / 1000, 2);
  return { p50_us: us(50), p99_us: us(99), p999_us: us(99.9), max_us: round(d[n - 1]! / 1000, 1) };
}

/** Fails fast: a mismatch makes every figure meaningless, so nothing is timed after one. */
function exitOnFailures(): void {
  if (failures.length === 0) return;
  for (const f of failures) log(`SANITY FAILURE ${f}`);
  process.exit(1);
}

function measure(w: Workload) {
  const sane = sanity(w);
  exitOnFailures();
  const ours: number[] = [];
  const peer: number[] = [];
  for (let r = 0; r < Math.max(REPS_OURS, REPS_PEER); r++) {
    // Interleaved, alternating who goes first, so drift in machine load hits both alike.
    const first = r % 2 === 0 ? 'ours' : 'peer';
    for (const who of first === 'ours' ? ['ours', 'peer'] : ['peer', 'ours']) {
      if (who === 'ours' && r < REPS_OURS) ours.push(timeOurs(w));
      if (who === 'peer' && r < REPS_PEER) peer.push(timePeer(w));
    }
    const fmt = (xs: number[]): string => (xs[r] === undefined ? '-' : `${xs[r]!.toFixed(3)} s`);
    log(`${w.spec.name} pass ${r + 1}: ours ${fmt(ours)}, peer ${fmt(peer)}`);
  }
  const ops = w.ours.length;
  const oursOps = ops / median(ours);
  const peerOps = ops / median(peer);
  const lat = latency(w);
  log(`${w.spec.name} latency (ours): p50 ${lat.p50_us} us, p99 ${lat.p99_us} us, p99.9 ${lat.p999_us} us`);
  const levels = w.expected.bidLevels + w.expected.askLevels;
  const resting = w.expected.resting.length;
  return {
    ops,
    ours_ops_per_sec: Math.round(oursOps),
    peer_ops_per_sec: Math.round(peerOps),
    ratio: round(oursOps / peerOps, 2),
    ours_best_ops_per_sec: Math.round(ops / Math.min(...ours)),
    peer_best_ops_per_sec: Math.round(ops / Math.min(...peer)),
    p99_us: lat.p99_us,
    p999_us: lat.p999_us,
    p50_us: lat.p50_us,
    max_us: lat.max_us,
    workload: {
      resting_orders: resting,
      price_levels: levels,
      mean_orders_per_level: round(resting / levels, 1),
      mean_resting_during_run: Math.round(w.shape.meanResting),
      mean_spread_ticks: round(w.shape.meanSpreadTicks, 2),
      prefill_resting_orders: w.spec.resting,
      band_ticks: w.spec.band,
      seed: w.spec.seed,
      commands: w.counts,
    },
    passes_s: { ours: ours.map((s) => round(s, 4)), peer: peer.map((s) => round(s, 4)) },
    ...sane,
  };
}

function main(): void {
  const loadStart = loadavg()[0]!;
  gc();
  const started = process.hrtime.bigint();
  // Warm-up on smaller workloads with other seeds, then drop them.
  let t0 = process.hrtime.bigint();
  for (const spec of [
    { ...SHALLOW, name: 'warm-shallow', seed: 1001, ops: 100_000 },
    { ...DEEP, name: 'warm-deep', seed: 1002, ops: 20_000 },
  ]) {
    const w = generate(spec);
    for (let i = 0; i < 2; i++) {
      timeOurs(w);
      timePeer(w);
    }
  }
  log(`warm-up done in ${secs(t0).toFixed(1)} s`);

  // Each measured workload is generated (untimed) just before use and released after, so the
  // pre-built commands of one do not sit in the heap while the other is timed.
  const run = (spec: WorkloadSpec) => {
    t0 = process.hrtime.bigint();
    const w = generate(spec);
    log(`${spec.name}: generated ${spec.ops} commands in ${secs(t0).toFixed(1)} s (untimed)`);
    return measure(w);
  };
  const shallowRes = run(SHALLOW);
  const deepRes = run(DEEP);

  const timer = timerOverhead(1_000_000);
  log(`timer overhead (two back-to-back hrtime.bigint()): median ${timer.medianNs} ns, p99 ${timer.p99Ns} ns`);

  t0 = process.hrtime.bigint();
  const heapOurs = heapPerItem(HEAP_ORDERS, () => fillOurs(HEAP_ORDERS, HEAP_LEVELS_PER_SIDE, 1_000_000));
  const heapPeer = heapPerItem(HEAP_ORDERS, () => fillPeer(HEAP_ORDERS, HEAP_LEVELS_PER_SIDE, 1_000_000));
  log(
    `heap per resting order: ours ${heapOurs.toFixed(1)} B, peer ${heapPeer.toFixed(1)} B (${secs(t0).toFixed(1)} s)`,
  );

  const { passes_s, trades, traded_lots, ...head } = shallowRes;
  const result = {
    bench: 'orderbook',
    ...head,
    peer: `nodejs-order-book@${PEER_VERSION}`,
    heap_bytes_per_resting_order: round(heapOurs, 1),
    peer_heap_bytes_per_resting_order: round(heapPeer, 1),
    timer_overhead_ns: timer.medianNs,
    timer_overhead_p99_ns: timer.p99Ns,
    trades,
    traded_lots,
    passes_s,
    deep: {
      ...deepRes,
      scaled_down: `${DEEP.ops} ops instead of ${SHALLOW.ops}, for both books: the peer removes an order from a level in O(orders in level), ~10-15k ops/s here on an idle 2-core box`,
    },
    method: {
      throughput_stat: 'median',
      throughput: `median of ${REPS_OURS} passes (ours) and ${REPS_PEER} passes (peer), interleaved; each pass on a fresh book after an untimed prefill and gc(); warm-up on smaller workloads first`,
      latency:
        'ours only, a separate full pass, process.hrtime.bigint() around each apply(); timer overhead NOT subtracted (see timer_overhead_ns)',
      heap: `${HEAP_ORDERS} non-crossing resting limits over ${HEAP_LEVELS_PER_SIDE} levels per side in a fresh book; heapUsed delta between gc()s / orders; commands built inside the loop (garbage)`,
      ids: 'ours takes numeric orderIds; the peer takes string ids, pre-built as String(orderId) for the workload (built in the loop for the heap figure, where the peer keeps them)',
      peer_clock:
        'the peer stamps each resting order with Date.now() internally; ours reads no clock (ts comes from the command)',
      market_orders:
        'ours: place/market/IOC, no protection price; peer: market({ side, size }). Both drop an unfilled rest (ours emits canceled/ioc); workload.commands.marketsNotFilled counts markets that ran out of book',
      sanity:
        'trades, traded lots, resting orders in priority order, best bid/ask and level counts matched between both books and a reference model',
    },
    node: process.version,
    cpus: cpus().length,
    loadavg_1m: { start: round(loadStart, 2), end: round(loadavg()[0]!, 2) },
    total_s: round(secs(started), 1),
  };
  process.stdout.write(
    `\n${'workload'.padEnd(9)} ${'ops'.padStart(9)} ${'ours/s'.padStart(10)} ${'peer/s'.padStart(10)} ${'ratio'.padStart(6)} ${'p99us'.padStart(7)} ${'p999us'.padStart(7)} ${'resting'.padStart(8)} ${'levels'.padStart(7)} ${'per lvl'.padStart(8)}\n`,
  );
  for (const [name, r] of [
    ['shallow', shallowRes],
    ['deep', deepRes],
  ] as const) {
    process.stdout.write(
      `${name.padEnd(9)} ${String(r.ops).padStart(9)} ${String(r.ours_ops_per_sec).padStart(10)} ${String(r.peer_ops_per_sec).padStart(10)} ${String(r.ratio).padStart(6)} ${String(r.p99_us).padStart(7)} ${String(r.p999_us).padStart(7)} ${String(r.workload.resting_orders).padStart(8)} ${String(r.workload.price_levels).padStart(7)} ${String(r.workload.mean_orders_per_level).padStart(8)}\n`,
    );
  }
  process.stdout.write(
    `heap bytes per resting order: ours ${result.heap_bytes_per_resting_order}, peer ${result.peer_heap_bytes_per_resting_order}\n`,
  );
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

main();
