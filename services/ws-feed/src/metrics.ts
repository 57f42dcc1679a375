import { Counter, Gauge, type Registry } from 'prom-client';

/**
 * The hot-path counts are plain numbers (a prom-client call per frame sent to 10,000 clients would
 * cost more than the send); the registry copies them at scrape time.
 */
export class FeedMetrics {
  clients = 0;
  messagesSent = 0;
  bytesSent = 0;
  readonly drops = { slow_consumer: 0, heartbeat: 0, rate_limited: 0, too_big: 0, capacity: 0 };
  readonly resyncs: Counter<'market' | 'reason'>;
  readonly mdMessages: Counter<'type'>;
  readonly privateRepeats: Counter;

  constructor(registry: Registry) {
    const registers = [registry];
    const read = {
      clients: () => this.clients,
      sent: () => this.messagesSent,
      bytes: () => this.bytesSent,
      drops: () => Object.entries(this.drops),
    };
    new Gauge({
      name: 'ws_feed_clients',
      help: 'Connected WebSocket clients',
      registers,
      collect() {
        this.set(read.clients());
      },
    });
    new Counter({
      name: 'ws_feed_messages_sent_total',
      help: 'Frames sent to clients',
      registers,
      collect() {
        this.reset();
        this.inc(read.sent());
      },
    });
    new Counter({
      name: 'ws_feed_bytes_sent_total',
      help: 'Payload bytes sent to clients',
      registers,
      collect() {
        this.reset();
        this.inc(read.bytes());
      },
    });
    new Counter({
      name: 'ws_feed_drops_total',
      help: 'Connections dropped by the server, by reason',
      labelNames: ['reason'],
      registers,
      collect() {
        this.reset();
        for (const [reason, n] of read.drops()) this.inc({ reason }, n);
      },
    });
    this.resyncs = new Counter({
      name: 'ws_feed_resyncs_total',
      help: 'Times a market was (re)loaded from the archive: start, gap, checksum mismatch, reconnect',
      labelNames: ['market', 'reason'],
      registers,
    });
    this.mdMessages = new Counter({
      name: 'ws_feed_md_messages_total',
      help: 'Market data messages received from Redis, by type',
      labelNames: ['type'],
      registers,
    });
    this.privateRepeats = new Counter({
      name: 'ws_feed_private_repeats_total',
      help: 'Order updates received again (seq not above the last forwarded for that account and market) and not forwarded',
      registers,
    });
  }
}
