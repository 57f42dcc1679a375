import { baseConfigSchema } from '@exchange/service-kit';
import { z } from 'zod';

export const configSchema = baseConfigSchema.extend({
  /** Markets to serve: a comma-separated list of symbols, or * for every market in the markets table. */
  BM_MARKETS: z.string().min(1).default('*'),
  /** Consumer name in bm-lock; keep it stable across restarts (its pending entries are re-read). */
  BM_CONSUMER: z.string().min(1).max(64).default('bm-1'),
  BM_LOCK_BATCH: z.coerce.number().int().min(1).max(10_000).default(500),
  BM_SETTLE_BATCH: z.coerce.number().int().min(1).max(100_000).default(5_000),
  /** XREADGROUP / XREAD block, and the settlement poll when no doorbell rings. */
  BM_BLOCK_MS: z.coerce.number().int().min(1).max(5_000).default(100),
  PG_POOL_MAX: z.coerce.number().int().min(2).max(100).default(10),
  /**
   * Test-only failpoint: `lock-after-commit:N` kills the process (SIGKILL) right after the Nth lock
   * batch commits, before it is forwarded — the window the re-forward on restart exists for.
   */
  BM_FAILPOINT: z
    .string()
    .regex(/^lock-after-commit:[0-9]+$/)
    .optional(),
});

export type BalanceManagerConfig = z.infer<typeof configSchema>;
