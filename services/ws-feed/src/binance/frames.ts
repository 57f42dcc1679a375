/**
 * Subscribers of one Binance stream, raw (`/ws/…`: the payload alone) and combined
 * (`/stream?streams=…`: `{"stream":…,"data":…}`). A payload is encoded once per form, whatever the
 * number of subscribers.
 */
import type { FeedConnection } from '../connection';

export class StreamSubscribers {
  readonly raw = new Set<FeedConnection>();
  readonly combined = new Set<FeedConnection>();

  constructor(readonly name: string) {}

  get size(): number {
    return this.raw.size + this.combined.size;
  }

  add(conn: FeedConnection, combined: boolean): void {
    (combined ? this.combined : this.raw).add(conn);
  }

  delete(conn: FeedConnection): void {
    this.raw.delete(conn);
    this.combined.delete(conn);
  }

  /** Sends the JSON `payload` to every subscriber in its form. */
  emit(payload: string): void {
    if (this.raw.size) {
      const frame = Buffer.from(payload);
      for (const c of this.raw) c.send(frame);
    }
    if (this.combined.size) {
      const frame = Buffer.from(`{"stream":${JSON.stringify(this.name)},"data":${payload}}`);
      for (const c of this.combined) c.send(frame);
    }
  }
}
