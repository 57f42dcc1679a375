/**
 * One Binance-style connection: the streams named in its URL, then live SUBSCRIBE / UNSUBSCRIBE /
 * LIST_SUBSCRIPTIONS requests answered `{"result":…,"id":…}`, errors `{"error":{code,msg},"id":…}`.
 * Raw connections (`/ws/…`) get payloads alone, combined ones (`/stream?streams=…`) `{stream, data}`.
 */
import type { FeedConnection } from '../connection';
import type { MarketRegistry } from '../markets';
import { errorFrame, parseBinanceRequest, parseStream, streamName, type RequestId, type StreamSpec } from './streams';

export class BinanceSession {
  private readonly streams = new Map<string, StreamSpec>();

  constructor(
    private readonly conn: FeedConnection,
    readonly combined: boolean,
    private readonly markets: MarketRegistry,
    private readonly maxStreams: number,
  ) {}

  /**
   * Streams from the connection URL. A name that is not a stream of ours is skipped without an
   * answer, as Binance does: ccxt connects to `/ws/<n>` (its own connection index) and subscribes
   * afterwards, and an error frame there would fail all of its watches.
   */
  async open(names: string[]): Promise<void> {
    const known: string[] = [];
    for (const name of names) {
      const spec = parseStream(name);
      if (spec && (await this.markets.get(spec.symbol))) known.push(name);
    }
    if (known.length) await this.subscribe(known, null, false);
  }

  async onText(text: string): Promise<void> {
    const parsed = parseBinanceRequest(text);
    if (!parsed.ok) return void this.send(errorFrame(parsed.id, parsed.code, parsed.msg));
    const r = parsed.request;
    if (r.method === 'LIST_SUBSCRIPTIONS') return void this.reply(r.id, [...this.streams.keys()]);
    if (r.method === 'SUBSCRIBE') return this.subscribe(r.params, r.id, true);
    for (const name of r.params) {
      const spec = this.streams.get(name);
      if (!spec) continue;
      this.streams.delete(name);
      const feed = await this.markets.get(spec.symbol);
      feed?.binance.remove(spec, this.conn);
    }
    this.reply(r.id, null);
  }

  async close(): Promise<void> {
    for (const [name, spec] of [...this.streams]) {
      this.streams.delete(name);
      (await this.markets.get(spec.symbol))?.binance.remove(spec, this.conn);
    }
  }

  private async subscribe(names: string[], id: RequestId, answer: boolean): Promise<void> {
    const specs: StreamSpec[] = [];
    for (const name of names) {
      const spec = parseStream(name);
      if (!spec) return void this.send(errorFrame(id, 2, `Invalid request: unknown stream '${name}'`));
      specs.push(spec);
    }
    const fresh = specs.filter((s) => !this.streams.has(streamName(s)));
    if (this.streams.size + fresh.length > this.maxStreams) {
      return void this.send(errorFrame(id, 2, `Invalid request: at most ${this.maxStreams} streams per connection`));
    }
    for (const spec of fresh) {
      const feed = await this.markets.get(spec.symbol);
      if (!feed) return void this.send(errorFrame(id, 2, `Invalid request: unknown symbol in '${streamName(spec)}'`));
      if (spec.kind === 'kline' && !feed.hasInterval(spec.interval)) {
        return void this.send(errorFrame(id, 2, `Invalid request: interval ${spec.interval} is not served`));
      }
      if (this.conn.closing) return;
      this.streams.set(streamName(spec), spec);
      feed.binance.add(spec, this.conn, this.combined);
    }
    if (answer) this.reply(id, null);
  }

  private reply(id: RequestId, result: unknown): void {
    this.send(JSON.stringify({ result, id }));
  }

  private send(text: string): void {
    this.conn.send(Buffer.from(text));
  }
}
