/**
 * The private channel's fan-out: acct:{accountId} is subscribed while at least one authenticated
 * connection of that account listens, and its messages (order updates from the engine, balances
 * from the balance manager) are forwarded as published to that account's connections only.
 *
 * An order-update message that arrives again is not forwarded: a publisher's Redis client re-sends
 * a PUBLISH whose reply a dropped connection lost, though Redis may have delivered the first one,
 * and a bot that adds up its fills must not see a fill twice. A market's updates come in seq order,
 * so one whose last seq is not above the last forwarded for that account and market is a repeat.
 * Balances carry full values, not deltas: a repeat changes nothing and is forwarded.
 */
import { keys, type AccountMessage } from '@exchange/protocol';
import type { FeedConnection } from './connection';
import type { FeedMetrics } from './metrics';
import type { RedisFanout } from './redis-fanout';

export class AccountFeeds {
  private readonly listeners = new Map<number, Set<FeedConnection>>();
  /** Redis subscriptions, live or being made. */
  private readonly subscribed = new Map<number, Promise<void>>();
  /** Per subscribed account, per market: the last order-update seq forwarded. */
  private readonly forwardedSeq = new Map<number, Map<string, number>>();

  constructor(
    private readonly fanout: RedisFanout,
    private readonly metrics?: FeedMetrics,
  ) {}

  get accounts(): number {
    return this.listeners.size;
  }

  /** Resolves once the account's channel is subscribed. */
  async add(accountId: number, conn: FeedConnection): Promise<void> {
    let set = this.listeners.get(accountId);
    if (!set) this.listeners.set(accountId, (set = new Set()));
    set.add(conn);
    let sub = this.subscribed.get(accountId);
    if (!sub) {
      sub = this.fanout.subscribe(keys.accountChannel(accountId), (buf) => {
        if (this.isRepeat(accountId, buf)) {
          this.metrics?.privateRepeats.inc();
          return;
        }
        const to = this.listeners.get(accountId);
        if (to) for (const c of to) c.send(buf);
      });
      this.subscribed.set(accountId, sub);
      sub.catch(() => {
        if (this.subscribed.get(accountId) === sub) this.subscribed.delete(accountId);
      });
    }
    await sub;
  }

  async remove(accountId: number, conn: FeedConnection): Promise<void> {
    const set = this.listeners.get(accountId);
    if (!set?.delete(conn) || set.size > 0) return;
    this.listeners.delete(accountId);
    const sub = this.subscribed.get(accountId);
    if (!sub) return;
    await sub.catch(() => undefined);
    if (this.listeners.has(accountId) || this.subscribed.get(accountId) !== sub) return;
    this.subscribed.delete(accountId);
    this.forwardedSeq.delete(accountId);
    await this.fanout.unsubscribe(keys.accountChannel(accountId));
  }

  private isRepeat(accountId: number, buf: Buffer): boolean {
    let msg: AccountMessage;
    try {
      msg = JSON.parse(buf.toString('utf8')) as AccountMessage;
    } catch {
      return false; // not ours to judge: forwarded as published
    }
    if (msg?.type !== 'orders' || !Array.isArray(msg.updates) || msg.updates.length === 0) return false;
    const last = msg.updates[msg.updates.length - 1]!.seq;
    if (!Number.isSafeInteger(last)) return false;
    let seqs = this.forwardedSeq.get(accountId);
    if (!seqs) this.forwardedSeq.set(accountId, (seqs = new Map()));
    if (last <= (seqs.get(msg.market) ?? 0)) return true;
    seqs.set(msg.market, last);
    return false;
  }
}
