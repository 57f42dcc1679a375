import { z } from 'zod';
import { baseConfigSchema, loadConfig } from '@exchange/service-kit';

export const gatewayConfigSchema = baseConfigSchema.extend({
  /** HTTP port of the REST API (which also serves /healthz, /readyz, /metrics); 0 picks a free one. */
  PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  HOST: z.string().default('0.0.0.0'),
  /** 32 bytes as 64 hex characters: encrypts API secrets (AES-256-GCM). Never logged. */
  GATEWAY_MASTER_KEY: z.string().regex(/^[0-9a-fA-F]{64}$/, 'must be 64 hex characters (32 bytes)'),
  /** A signed request is accepted while now - window <= X-TIMESTAMP <= now + future skew. */
  RECV_WINDOW_MS: z.coerce.number().int().min(1000).max(60_000).default(5000),
  FUTURE_SKEW_MS: z.coerce.number().int().min(0).max(5000).default(1000),
  /** How long an order request waits for the engine's outcome before answering 202. */
  OUTCOME_TIMEOUT_MS: z.coerce.number().int().min(0).max(30_000).default(2000),
  BODY_LIMIT_BYTES: z.coerce.number().int().min(256).max(1_048_576).default(16_384),
  /** Open orders one account may hold across all markets (checked against their Redis mirror, ADR 0026). */
  MAX_OPEN_ORDERS_PER_ACCOUNT: z.coerce.number().int().positive().default(200),
  /** Request weight allowed per window, per API key and per client IP. */
  RATE_LIMIT_WINDOW_MS: z.coerce.number().int().min(100).default(10_000),
  RATE_LIMIT_KEY_WEIGHT: z.coerce.number().int().positive().default(600),
  RATE_LIMIT_IP_WEIGHT: z.coerce.number().int().positive().default(1200),
  /** Idempotency keys are kept this long (Stripe: 24 h). */
  IDEMPOTENCY_TTL_SECONDS: z.coerce.number().int().positive().default(86_400),
  /** API key records (decrypted secret included) are cached this long; a revoke takes effect within it. */
  API_KEY_CACHE_MS: z.coerce.number().int().min(0).default(2000),
  /** Run the read-model projection in this process. */
  PROJECTION_ENABLED: z
    .enum(['true', 'false'])
    .default('true')
    .transform((v) => v === 'true'),
  PROJECTION_BATCH: z.coerce.number().int().positive().max(10_000).default(1000),
  PROJECTION_POLL_MS: z.coerce.number().int().positive().default(250),
  /** Use X-Forwarded-For from this many trusted proxies (express "trust proxy"); 0 = the socket address. */
  TRUST_PROXY_HOPS: z.coerce.number().int().min(0).max(5).default(0),
  /** Prefix of the admin replay queue's Redis keys; the replay worker must use the same. */
  REPLAY_QUEUE_PREFIX: z.string().min(1).default('bull'),
});

export type GatewayConfig = z.infer<typeof gatewayConfigSchema>;

export function loadGatewayConfig(env: NodeJS.ProcessEnv = process.env): GatewayConfig {
  return loadConfig(gatewayConfigSchema, env);
}
