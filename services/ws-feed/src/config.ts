import { hostname } from 'node:os';
import { z } from 'zod';
import { isCandleInterval, type CandleInterval } from '@exchange/market-data';
import { baseConfigSchema, loadConfig } from '@exchange/service-kit';

const int = (def: number, min = 0, max = Number.MAX_SAFE_INTEGER) =>
  z.coerce.number().int().min(min).max(max).default(def);
const bool = (def: boolean) =>
  z
    .enum(['true', 'false'])
    .default(def ? 'true' : 'false')
    .transform((v) => v === 'true');

export const wsFeedConfigSchema = baseConfigSchema.extend({
  /** Port of the WebSocket endpoint; 0 picks a free one. */
  WS_PORT: int(8090, 0, 65535),
  WS_HOST: z.string().default('0.0.0.0'),
  /** Shown in logs and metrics; several nodes serve side by side. */
  NODE_ID: z.string().default(`${hostname()}-${process.pid}`),
  /** The gateway's key (decrypts API-key secrets). Without it the private channel refuses every auth. */
  GATEWAY_MASTER_KEY: z
    .string()
    .regex(/^[0-9a-fA-F]{64}$/, 'must be 64 hex characters (32 bytes)')
    .optional(),
  RECV_WINDOW_MS: int(5000, 1000, 60_000),
  FUTURE_SKEW_MS: int(1000, 0, 5000),
  API_KEY_CACHE_MS: int(2000),
  /** Heartbeat: ping every client this often; one that has not answered the previous ping is terminated. */
  PING_INTERVAL_MS: int(20_000, 50),
  /** Largest inbound frame; bigger ones close the connection with 1009. */
  MAX_PAYLOAD_BYTES: int(16_384, 256, 1_048_576),
  /** A client whose unsent bytes exceed this is a slow consumer: closed with 4008. */
  MAX_BUFFERED_BYTES: int(4 * 1024 * 1024, 1024),
  /** After the 4008 close frame, the socket is terminated if still open this much later. */
  SLOW_CLOSE_GRACE_MS: int(1000),
  MAX_SUBSCRIPTIONS: int(50, 1),
  /** Inbound messages per connection: a token bucket refilled at RATE per second up to BURST. Over it: 4029. */
  INBOUND_RATE_PER_SEC: int(10, 1),
  INBOUND_BURST: int(40, 1),
  /** Connections past this are refused at the upgrade with HTTP 503. */
  MAX_CLIENTS: int(20_000, 1),
  /** Top levels in the checksum of a book snapshot; the engine's MD_DEPTH. */
  CHECKSUM_DEPTH: int(10, 1, 1000),
  CANDLE_INTERVALS: z
    .string()
    .default('1m,5m,15m,1h')
    .transform((s, ctx) => {
      const list = s
        .split(',')
        .map((x) => x.trim())
        .filter(Boolean);
      for (const i of list)
        if (!isCandleInterval(i)) ctx.addIssue({ code: 'custom', message: `unknown interval ${i}` });
      return list as CandleInterval[];
    }),
  /** Candles kept (and sent on subscribe) per interval. */
  CANDLE_HISTORY: int(100, 1, 1000),
  /** Frames for one client within one event-loop tick leave in one write (see connection.ts). */
  WRITE_COALESCING: bool(true),
  /** permessage-deflate costs CPU per message per client; off unless asked for. */
  PER_MESSAGE_DEFLATE: bool(false),
});

export type WsFeedConfig = z.infer<typeof wsFeedConfigSchema>;

export function loadWsFeedConfig(env: NodeJS.ProcessEnv = process.env): WsFeedConfig {
  return loadConfig(wsFeedConfigSchema, env);
}
