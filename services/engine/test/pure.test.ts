import { crc32 } from 'node:zlib';
import type { BookEvent } from '@exchange/orderbook';
import type { AccountOrdersMessage, MdBookMessage, OrderUpdate } from '@exchange/protocol';
import { eventCopyLines } from '../src/archive';
import { copyText } from '@exchange/db';
import { decodeCommandText, encodeGeneric, isAfter, readEntry } from '../src/codec';
import { bookChecksum, MarketDataBuilder } from '../src/market-data';
import { MarketState, type AppliedCommand } from '../src/shard';
import { SnapshotPolicy } from '../src/snapshots';
import { take, workload } from './workload';

const config = {
  symbol: 'PURE',
  base: { code: 'BTC', decimals: 8 },
  quote: { code: 'USDT', decimals: 8 },
  tickSize: '0.01',
  lotSize: '0.00001',
  minQty: '0.00001',
  minNotional: '0',
  makerFeeBps: 10,
  takerFeeBps: 20,
};

let n = 0;
const input = () => {
  n++;
  return { id: `${n}-0`, ms: String(n), n: '0' };
};
const cmd = (fields: Record<string, unknown>) =>
  JSON.stringify({ commandId: `k${n + 1}`, market: 'PURE', ts: 1_000 + n, ...fields });
const place = (fields: Record<string, unknown>) =>
  cmd({ type: 'place', orderType: 'limit', tif: 'GTC', stp: 'none', ...fields });

/** Every kind of event the book emits, from one scripted session. */
function session(): { state: MarketState; applied: AppliedCommand[] } {
  n = 0;
  const state = new MarketState(config);
  const raws: Array<[string | undefined, string?]> = [
    [place({ accountId: 1, orderId: 1, side: 'sell', price: '100', qty: '1', clientOrderId: 'a"b\\c' })],
    [place({ accountId: 1, orderId: 2, side: 'sell', price: '101', qty: '2', displayQty: '0.5' })],
    [place({ accountId: 2, orderId: 3, side: 'buy', price: '99', qty: '1', postOnly: true })],
    [
      place({
        accountId: 3,
        orderId: 4,
        side: 'buy',
        orderType: 'stop_limit',
        stopPrice: '100.5',
        price: '102',
        qty: '0.1',
      }),
    ],
    [place({ accountId: 3, orderId: 5, side: 'buy', orderType: 'market', tif: 'IOC', quoteQty: '150' })],
    [
      place({
        accountId: 4,
        orderId: 6,
        side: 'sell',
        orderType: 'stop_market',
        tif: 'IOC',
        stopPrice: '98',
        qty: '0.1',
      }),
    ],
    [cmd({ type: 'amend', accountId: 2, orderId: 3, qty: '0.5' })],
    [cmd({ type: 'amend', accountId: 2, orderId: 3, price: '99.5' })],
    [place({ accountId: 5, orderId: 7, side: 'sell', price: '99', qty: '3', tif: 'FOK' })],
    [cmd({ type: 'cancel', accountId: 1, orderId: 42 })],
    [place({ accountId: 6, orderId: 8, side: 'buy', price: '1', qty: '1', postOnly: true }), 'INSUFFICIENT_FUNDS'],
    ['{"broken'],
    [cmd({ type: 'place', accountId: 7, orderId: 9, unknown: 'x' })],
    [cmd({ type: 'halt' })],
    [place({ accountId: 7, orderId: 10, side: 'buy', price: '1', qty: '1' })],
    [cmd({ type: 'resume' })],
    [cmd({ type: 'cancel_all', accountId: 1 })],
    [cmd({ type: 'cancel_all', accountId: 1 })], // nothing left: rejected NO_OPEN_ORDERS
  ];
  const applied = raws.map(([raw, r]) => state.applyRaw(input(), raw, r));
  return { state, applied };
}

describe('event encoding', () => {
  it('writes every event type exactly as JSON.stringify of the EngineEvent would', () => {
    const { applied } = session();
    const types = new Set<string>();
    for (const c of applied) {
      c.events.forEach((e, k) => {
        types.add(e.type);
        const expected = encodeGeneric(e, '"PURE"', JSON.stringify(c.commandId));
        expect(c.bodies[k]).toBe(expected);
        expect(JSON.parse(c.bodies[k]!)).toEqual(
          JSON.parse(JSON.stringify({ ...e, market: 'PURE', commandId: c.commandId })),
        );
      });
    }
    expect([...types].sort()).toEqual(
      [
        'accepted',
        'amended',
        'canceled',
        'done',
        'halted',
        'level',
        'rejected',
        'resumed',
        'trade',
        'triggered',
      ].sort(),
    );
    expect(applied[applied.length - 1]!.events).toEqual([
      expect.objectContaining({ type: 'rejected', command: 'cancel_all', reason: 'NO_OPEN_ORDERS' }),
    ]);
  });

  it('matches JSON.stringify over a long random session too', () => {
    const state = new MarketState(config);
    const cmds = take(workload({ market: 'PURE', seed: 3 }), 3000);
    cmds.forEach((raw, k) => {
      const c = state.applyRaw({ id: `${k + 1}-0`, ms: String(k + 1), n: '0' }, raw, undefined);
      c.events.forEach((e, j) => expect(c.bodies[j]).toBe(encodeGeneric(e, '"PURE"', JSON.stringify(c.commandId))));
    });
  });

  it('writes a rejected place with its terms (ADR 0006)', () => {
    const refused = session().applied[10]!;
    expect(JSON.parse(refused.bodies[0]!)).toEqual({
      type: 'rejected',
      seq: refused.firstSeq,
      ts: expect.any(Number),
      command: 'place',
      reason: 'INSUFFICIENT_FUNDS',
      orderId: 8,
      accountId: 6,
      side: 'buy',
      orderType: 'limit',
      tif: 'GTC',
      postOnly: true,
      stp: 'none',
      market: 'PURE',
      commandId: refused.commandId,
    });
  });

  it('records malformed input as a replayable INVALID_COMMAND', () => {
    const { applied } = session();
    const broken = applied[11]!;
    expect(broken.commandText).toBe(JSON.stringify('{"broken'));
    expect(broken.events[0]).toMatchObject({ type: 'rejected', reason: 'INVALID_COMMAND' });
    expect(decodeCommandText(undefined)).toEqual({ value: null, text: 'null' });
    const unknown = applied[12]!;
    expect(unknown.events[0]).toMatchObject({ type: 'rejected', reason: 'INVALID_COMMAND', orderId: 9, accountId: 7 });
  });

  it('escapes COPY text', () => {
    expect(copyText('a\\b\tc\nd\re')).toBe('a\\\\b\\tc\\nd\\re');
    expect(copyText('plain')).toBe('plain');
    const { applied } = session();
    const line = eventCopyLines('PURE', applied[0]!);
    expect(line.split('\n')[0]).toContain('"clientOrderId":"a\\\\"b\\\\\\\\c"');
  });
});

describe('stream ids', () => {
  it('compares numerically, with a bigint fallback', () => {
    expect(isAfter('1000-0', '999-0')).toBe(true);
    expect(isAfter('5-10', '5-9')).toBe(true);
    expect(isAfter('5-1', '5-1')).toBe(false);
    expect(isAfter('0-1', '0-0')).toBe(true);
    expect(isAfter('18446744073709551615-0', '18446744073709551614-9')).toBe(true);
    expect(isAfter('18446744073709551614-9', '18446744073709551615-0')).toBe(false);
  });

  it('reads the lock stage fields', () => {
    expect(readEntry('1-0', ['i', '5-0', 'c', '{}', 'r', 'INSUFFICIENT_FUNDS'])).toEqual({
      entryId: '1-0',
      inputId: '5-0',
      command: '{}',
      lockRejected: 'INSUFFICIENT_FUNDS',
    });
    expect(readEntry('1-0', null).inputId).toBeUndefined();
  });
});

describe('market data', () => {
  /** The account updates written the plain way, to check the hand-written JSON against. */
  function reference(e: BookEvent, commandId: string, state: MarketState): Array<[number, OrderUpdate]> {
    const m = state.mb.market;
    const base = { seq: e.seq, ts: e.ts, commandId };
    const opt = (v: number | undefined, f: (x: number) => string) => (v === undefined ? undefined : f(v));
    switch (e.type) {
      case 'accepted':
        return [
          [
            e.accountId,
            {
              kind: 'accepted',
              ...base,
              orderId: e.orderId,
              clientOrderId: e.clientOrderId,
              side: e.side,
              orderType: e.orderType,
              price: opt(e.price, m.formatPrice),
              qty: opt(e.qty, m.formatQty),
              quoteQty: opt(e.quoteQty, m.formatQuoteQty),
              stopPrice: opt(e.stopPrice, m.formatPrice),
              displayQty: opt(e.displayQty, m.formatQty),
              tif: e.tif,
              postOnly: e.postOnly,
              stp: e.stp,
            },
          ],
        ];
      case 'rejected':
        return e.accountId === undefined
          ? []
          : [
              [
                e.accountId,
                {
                  kind: 'rejected',
                  ...base,
                  command: e.command,
                  reason: e.reason,
                  field: e.field,
                  orderId: e.orderId,
                  clientOrderId: e.clientOrderId,
                  side: e.side,
                  orderType: e.orderType,
                  tif: e.tif,
                  postOnly: e.postOnly,
                  stp: e.stp,
                },
              ],
            ];
      case 'trade': {
        const fill = { tradeId: e.tradeId, price: m.formatPrice(e.price), qty: m.formatQty(e.qty) };
        return [
          [
            e.makerAccountId,
            {
              kind: 'fill',
              ...base,
              orderId: e.makerOrderId,
              ...fill,
              side: e.aggressor === 'buy' ? 'sell' : 'buy',
              liquidity: 'maker',
            },
          ],
          [
            e.takerAccountId,
            { kind: 'fill', ...base, orderId: e.takerOrderId, ...fill, side: e.aggressor, liquidity: 'taker' },
          ],
        ];
      }
      case 'canceled':
        return [
          [
            e.accountId,
            {
              kind: 'canceled',
              ...base,
              orderId: e.orderId,
              qty: m.formatQty(e.qty),
              quoteQty: opt(e.quoteQty, m.formatQuoteQty),
              reason: e.reason,
            },
          ],
        ];
      case 'amended':
        return [
          [
            e.accountId,
            {
              kind: 'amended',
              ...base,
              orderId: e.orderId,
              price: m.formatPrice(e.price),
              qty: m.formatQty(e.qty),
              remaining: m.formatQty(e.remaining),
              keptPriority: e.keptPriority,
            },
          ],
        ];
      case 'done':
        return [
          [e.accountId, { kind: 'done', ...base, orderId: e.orderId, reason: e.reason, filled: m.formatQty(e.filled) }],
        ];
      case 'triggered':
        return [
          [
            e.accountId,
            {
              kind: 'triggered',
              ...base,
              orderId: e.orderId,
              stopPrice: m.formatPrice(e.stopPrice),
              lastPrice: m.formatPrice(e.lastPrice),
            },
          ],
        ];
      default:
        return [];
    }
  }

  it('writes order updates as the OrderUpdate objects would serialize', () => {
    const { state, applied } = session();
    const md = new MarketDataBuilder(state.mb.market, 10, 0);
    const out = md.build(applied, state.mb.book);
    const expected = new Map<number, OrderUpdate[]>();
    for (const c of applied) {
      for (const e of c.events) {
        for (const [account, u] of reference(e, c.commandId, state)) {
          expected.set(account, [...(expected.get(account) ?? []), u]);
        }
      }
    }
    const got = new Map(out.accounts.map(([a, text]) => [a, JSON.parse(text) as AccountOrdersMessage]));
    expect([...got.keys()].sort()).toEqual([...expected.keys()].sort());
    for (const [account, updates] of expected) {
      const msg = got.get(account)!;
      expect(msg).toMatchObject({ type: 'orders', market: 'PURE', accountId: account });
      expect(msg.updates).toEqual(JSON.parse(JSON.stringify(updates)));
      expect(JSON.stringify(msg.updates)).toBe(JSON.stringify(updates));
    }
  });

  it('publishes changed levels with U/u/pu continuity and a checksum of the top of the book', () => {
    const state = new MarketState(config);
    const md = new MarketDataBuilder(state.mb.market, 3, 0);
    const cmds = take(workload({ market: 'PURE', seed: 9 }), 2000);
    let pu = 0;
    for (let b = 0; b < 20; b++) {
      const batch = cmds
        .slice(b * 100, b * 100 + 100)
        .map((raw, k) =>
          state.applyRaw({ id: `${b * 100 + k + 1}-0`, ms: String(b * 100 + k + 1), n: '0' }, raw, undefined),
        );
      const out = md.build(batch, state.mb.book);
      const book = out.md
        .map((t) => JSON.parse(t) as { type: string })
        .find((m): m is MdBookMessage => m.type === 'book');
      const levels = batch.flatMap((c) => c.events).filter((e) => e.type === 'level');
      if (levels.length === 0) {
        expect(book).toBeUndefined();
        continue;
      }
      expect(book).toMatchObject({ U: levels[0]!.seq, u: levels[levels.length - 1]!.seq, pu, depth: 3 });
      pu = book!.u;
      const l2 = state.mb.book.l2(3);
      const m = state.mb.market;
      const fmt = (v: { price: number; qty: number }): [string, string] => [m.formatPrice(v.price), m.formatQty(v.qty)];
      expect(book!.checksum).toBe(bookChecksum(l2.asks.map(fmt), l2.bids.map(fmt)));
      // absolute quantities: each changed level as it stands after the batch (0 = gone)
      for (const [side, levels] of [
        ['bids', book!.bids],
        ['asks', book!.asks],
      ] as const) {
        for (const [price, qty] of levels) {
          const ticks = m.parsePrice(price);
          if (!ticks.ok) throw new Error(price);
          expect(qty).toBe(m.formatQty(state.mb.book[side].get(ticks.value)?.qty ?? 0));
        }
      }
    }
  });

  it('computes the Kraken checksum string', () => {
    // asks low→high then bids high→low; '.' removed, leading zeros stripped
    const s = '1000' + '15' + '99' + '2';
    expect(bookChecksum([['10.00', '0.15']], [['0.99', '2']])).toBe(crc32(s) >>> 0);
  });
});

describe('snapshot policy', () => {
  it('is due after N events or T ms with a change', () => {
    let now = 0;
    const p = new SnapshotPolicy(100, 1000, () => now);
    p.mark('M', 0, '0-0');
    expect(p.due('M', 99, '5-0')).toBe(false);
    expect(p.due('M', 100, '5-0')).toBe(true);
    now = 1000;
    expect(p.due('M', 1, '1-0')).toBe(true);
    p.mark('M', 1, '1-0');
    now = 5000;
    expect(p.due('M', 1, '1-0')).toBe(false); // nothing changed
    expect(p.changed('M', 1, '1-0')).toBe(false);
    expect(p.changed('M', 1, '2-0')).toBe(true); // a command without events still changes the input position
  });
});
