/** The Binance depth diff stream and stream names (pure parts; fast-check). */
import fc from 'fast-check';
import { L2Book } from '@exchange/market-data';
import type { MdLevel } from '@exchange/protocol';
import { DepthStream } from '../src/binance/depth-stream';
import { parseBinanceRequest, parseStream, streamName, streamsFromUrl } from '../src/binance/streams';
import type { FeedConnection } from '../src/connection';
import type { Json } from '../../gateway/test/binance/support/binance-fetch';

type Op =
  | { kind: 'msg'; bids: MdLevel[]; asks: MdLevel[]; gap: number; lost: boolean }
  | { kind: 'flush' }
  | { kind: 'resync' };

const level = fc.tuple(fc.integer({ min: 90, max: 110 }).map(String), fc.constantFrom('0', '1', '2.5', '7'));
const op: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constant('msg' as const),
      bids: fc.array(level, { maxLength: 4 }),
      asks: fc.array(level, { maxLength: 4 }),
      gap: fc.integer({ min: 1, max: 4 }),
      lost: fc.oneof({ weight: 9, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) }),
    }),
  },
  { weight: 2, arbitrary: fc.constant({ kind: 'flush' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'resync' as const }) },
);

const dedupe = (levels: MdLevel[]): MdLevel[] => [...new Map(levels).entries()];

describe('DepthStream', () => {
  it('a client applying its diffs (U = previous u + 1) holds the engine book, through lost messages and node resyncs', () => {
    fc.assert(
      fc.property(fc.array(op, { minLength: 1, maxLength: 120 }), (ops) => {
        const truth = new L2Book();
        const node = new L2Book();
        let nodeBehind = false;
        const frames: Json[] = [];
        const conn = { send: (b: Buffer) => frames.push(JSON.parse(b.toString())) } as unknown as FeedConnection;
        const stream = new DepthStream('x@depth@100ms', 'X', 100, 0);
        stream.subscribers.add(conn, false);
        const resync = () => {
          stream.onResyncStart(node);
          node.reset(truth.levels(), truth.seq);
          nodeBehind = false;
          stream.onLive(node);
        };
        let lastU = 0;
        for (const o of ops) {
          if (o.kind === 'flush') stream.flush();
          else if (o.kind === 'resync') resync();
          else {
            const bids = dedupe(o.bids);
            const asks = dedupe(o.asks.map(([p, q]) => [String(Number(p) + 100), q] as MdLevel));
            if (!bids.length && !asks.length) continue;
            const msg = {
              type: 'book' as const,
              market: 'X',
              U: truth.seq + 1,
              u: truth.seq + o.gap,
              pu: lastU,
              bids,
              asks,
              checksum: 0,
              depth: 10,
              ts: 0,
            };
            truth.apply(bids, asks);
            truth.seq = msg.u;
            lastU = msg.u;
            if (o.lost) nodeBehind = true;
            if (nodeBehind) continue; // a follower that missed a message applies nothing until it resyncs
            node.apply(bids, asks);
            node.seq = msg.u;
            stream.onBook(msg);
          }
        }
        resync();
        stream.flush();
        stream.stop();
        const client = new L2Book();
        let prevU = 0;
        for (const f of frames) {
          expect(f.U).toBe(prevU + 1);
          expect(f.pu).toBe(prevU);
          expect(f.u).toBeGreaterThanOrEqual(f.U);
          client.apply(f.b, f.a);
          prevU = f.u;
        }
        expect(client.levels()).toEqual(truth.levels());
      }),
      { numRuns: 300 },
    );
  });
});

describe('stream names and requests', () => {
  it('parses the streams Binance names and round-trips them', () => {
    expect(parseStream('btcusdt@depth@100ms')).toEqual({ kind: 'depth', symbol: 'BTCUSDT', speedMs: 100 });
    expect(parseStream('btcusdt@depth')).toEqual({ kind: 'depth', symbol: 'BTCUSDT', speedMs: 1000 });
    expect(parseStream('btcusdt@kline_1m')).toEqual({ kind: 'kline', symbol: 'BTCUSDT', interval: '1m' });
    expect(parseStream('btcusdt@bookTicker')).toEqual({ kind: 'bookTicker', symbol: 'BTCUSDT' });
    expect(parseStream('btcusdt@depth10@100ms')).toEqual({
      kind: 'partialDepth',
      symbol: 'BTCUSDT',
      levels: 10,
      speedMs: 100,
    });
    expect(streamName(parseStream('btcusdt@depth5@1000ms')!)).toBe('btcusdt@depth5');
    for (const bad of [
      'BTCUSDT@trade',
      'btcusdt@kline_7m',
      'btcusdt@bookticker',
      'btcusdt@aggTrade',
      'btcusdt',
      '@trade',
    ]) {
      expect(parseStream(bad)).toBeNull();
    }
    for (const name of [
      'btcusdt@depth@100ms',
      'btcusdt@depth',
      'btcusdt@trade',
      'btcusdt@ticker',
      'btcusdt@miniTicker',
      'btcusdt@depth5',
      'btcusdt@depth20@100ms',
      'btcusdt@bookTicker',
      'ab1@kline_4h',
    ]) {
      expect(streamName(parseStream(name)!)).toBe(name);
    }
    expect(streamsFromUrl('/ws/btcusdt@trade/ethusdt@ticker')).toEqual({
      combined: false,
      names: ['btcusdt@trade', 'ethusdt@ticker'],
    });
    expect(streamsFromUrl('/stream?streams=btcusdt@trade/btcusdt@depth@100ms')).toEqual({
      combined: true,
      names: ['btcusdt@trade', 'btcusdt@depth@100ms'],
    });
    expect(streamsFromUrl('/')).toBeNull();
  });

  it('validates requests as Binance does', () => {
    expect(parseBinanceRequest('{"method":"SUBSCRIBE","params":["a@trade"],"id":1}')).toEqual({
      ok: true,
      request: { method: 'SUBSCRIBE', params: ['a@trade'], id: 1 },
    });
    expect(parseBinanceRequest('nope')).toMatchObject({ ok: false, code: 3 });
    expect(parseBinanceRequest('{"method":"SUBSCRIBE","params":"a@trade","id":2}')).toMatchObject({
      ok: false,
      code: 2,
      id: 2,
    });
    expect(parseBinanceRequest('{"method":"SUBSCRIBE","params":[],"id":1.5}')).toMatchObject({ ok: false, code: 2 });
    expect(parseBinanceRequest('{"method":"PING","id":3}')).toMatchObject({ ok: false, code: 2, id: 3 });
  });
});
