/**
 * The node's one Redis subscriber connection: channels are subscribed while someone listens
 * (reference counted) and each message goes to its channel's handler as the raw Buffer, so it can
 * be forwarded to clients without decoding or re-encoding. ioredis re-subscribes after a reconnect;
 * messages published meanwhile are lost, so `onReconnect` lets the markets resync.
 */
import type { Redis } from '@exchange/service-kit';

export type ChannelHandler = (message: Buffer) => void;

export class RedisFanout {
  private readonly handlers = new Map<string, ChannelHandler>();
  private wasReady = false;
  onReconnect: () => void = () => undefined;

  constructor(private readonly sub: Redis) {
    sub.on('messageBuffer', (channel: Buffer, message: Buffer) => {
      this.handlers.get(channel.toString())?.(message);
    });
    sub.on('ready', () => {
      if (this.wasReady) this.onReconnect();
      this.wasReady = true;
    });
  }

  get ready(): boolean {
    return this.sub.status === 'ready';
  }

  /** Resolves once Redis confirmed the subscription: messages published after this are delivered. */
  async subscribe(channel: string, handler: ChannelHandler): Promise<void> {
    if (this.handlers.has(channel)) throw new Error(`already subscribed to ${channel}`);
    this.handlers.set(channel, handler);
    try {
      await this.sub.subscribe(channel);
    } catch (err) {
      this.handlers.delete(channel);
      throw err;
    }
  }

  async unsubscribe(channel: string): Promise<void> {
    if (!this.handlers.delete(channel)) return;
    await this.sub.unsubscribe(channel);
  }

  async close(): Promise<void> {
    this.handlers.clear();
    this.sub.disconnect();
  }
}
