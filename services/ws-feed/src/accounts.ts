/**
 * The private channel's fan-out: acct:{accountId} is subscribed while at least one authenticated
 * connection of that account listens, and its messages (order updates from the engine, balances
 * from the balance manager) are forwarded as published to that account's connections only.
 */
import { keys } from '@exchange/protocol';
import type { FeedConnection } from './connection';
import type { RedisFanout } from './redis-fanout';

export class AccountFeeds {
  private readonly listeners = new Map<number, Set<FeedConnection>>();
  /** Redis subscriptions, live or being made. */
  private readonly subscribed = new Map<number, Promise<void>>();

  constructor(private readonly fanout: RedisFanout) {}

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
    await this.fanout.unsubscribe(keys.accountChannel(accountId));
  }
}
