/**
 * The SDK's FeedClient against a scripted server: it must resubscribe on a gap or a checksum
 * mismatch (getting a fresh snapshot), and reconnect with backoff, resubscribing, when dropped.
 */
import { FeedClient } from '@exchange/client';
import { L2Book, type BookSnapshotMessage, type MdBookMessage } from '@exchange/market-data';
import type { AddressInfo } from 'node:net';
import WebSocket, { WebSocketServer } from 'ws';
import { eventually } from './support/harness';

let wss: WebSocketServer;
let port: number;
const requests: Array<Record<string, unknown>> = [];
let sockets: WebSocket[] = [];
/** The server's book: seq and levels the scripted messages are cut from. */
const truth = new L2Book();

beforeAll(async () => {
  wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
  await new Promise((r) => wss.once('listening', r));
  port = (wss.address() as AddressInfo).port;
  wss.on('connection', (ws) => {
    sockets.push(ws);
    ws.on('message', (d) => {
      const req = JSON.parse(d.toString()) as Record<string, unknown>;
      requests.push(req);
      if (req.op === 'subscribe') {
        ws.send(JSON.stringify({ type: 'subscribed', channel: 'book', market: 'M' }));
        ws.send(JSON.stringify(snapshot()));
      }
    });
  });
});
afterAll(async () => {
  for (const s of sockets) s.terminate();
  await new Promise((r) => wss.close(r));
});

function snapshot(): BookSnapshotMessage {
  const { bids, asks } = truth.levels();
  return {
    type: 'snapshot',
    market: 'M',
    lastUpdateId: truth.seq,
    limit: 0,
    bids,
    asks,
    checksum: truth.checksum(10),
    depth: 10,
  };
}

/** Changes the truth and returns the delta message for it. */
function delta(bids: Array<[string, string]>, asks: Array<[string, string]>): MdBookMessage {
  const pu = truth.seq;
  truth.apply(bids, asks);
  truth.seq += 2;
  return {
    type: 'book',
    market: 'M',
    U: pu + 1,
    u: truth.seq,
    pu,
    bids,
    asks,
    checksum: truth.checksum(10),
    depth: 10,
    ts: 0,
  };
}

const broadcast = (m: unknown) =>
  sockets.filter((s) => s.readyState === WebSocket.OPEN).forEach((s) => s.send(JSON.stringify(m)));

describe('FeedClient', () => {
  it('resyncs on a gap and on a checksum mismatch, and reconnects with backoff', async () => {
    truth.reset({ bids: [['99', '1']], asks: [['101', '2']] }, 10);
    const client = new FeedClient({
      url: `ws://127.0.0.1:${port}`,
      WebSocket,
      reconnect: { initialDelayMs: 20, maxDelayMs: 100 },
      pingIntervalMs: 0,
    });
    const reasons: string[] = [];
    client.on('resync', (_b, reason) => reasons.push(reason));
    const book = client.book('M');
    client.connect();
    await eventually(() => book.synced, 5000, 'first snapshot');
    expect(book.levels()).toEqual({ bids: [['99', '1']], asks: [['101', '2']] });

    broadcast(delta([['99.5', '3']], []));
    await eventually(() => book.seq === truth.seq, 5000, 'delta applied');
    expect(book.levels().bids).toEqual([
      ['99.5', '3'],
      ['99', '1'],
    ]);

    // A lost delta: the next one's pu is above the client's seq.
    delta([], [['100.5', '1']]);
    broadcast(delta([['99', '0']], []));
    await eventually(() => reasons.length === 1 && book.synced && book.seq === truth.seq, 5000, 'resync after gap');
    expect(book.levels()).toEqual(truth.levels());

    // A corrupted delta: its checksum does not match what the client computes.
    broadcast({ ...delta([['98', '1']], []), checksum: 12345 });
    await eventually(() => reasons.length === 2 && book.synced, 5000, 'resync after mismatch');
    expect(reasons).toEqual(['gap', 'checksum_mismatch']);
    expect(book.levels()).toEqual(truth.levels());
    expect(requests.filter((r) => r.op === 'subscribe')).toHaveLength(3);

    // Dropped by the server: reconnects, resubscribes and resyncs.
    for (const s of sockets) s.terminate();
    sockets = [];
    await eventually(() => client.connections === 2 && book.synced, 5000, 'reconnected');
    broadcast(delta([['97', '5']], []));
    await eventually(() => book.seq === truth.seq, 5000, 'delta after reconnect');
    expect(book.levels()).toEqual(truth.levels());
    expect(book.resyncs).toBe(2);
    client.close();
  });
});
