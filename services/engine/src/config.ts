import { baseConfigSchema, loadConfig } from '@exchange/service-kit';
import { z } from 'zod';

const bool = z
  .enum(['true', 'false', '1', '0'])
  .default('false')
  .transform((v) => v === 'true' || v === '1');
const int = (def: number, min = 1) => z.coerce.number().int().min(min).default(def);

/** Engine settings, read once at start from the environment. */
export const engineConfigSchema = baseConfigSchema.extend({
  /** This process owns the markets whose `markets.shard` equals this; also its consumer name. */
  ENGINE_SHARD: z
    .string()
    .regex(/^[A-Za-z0-9_.-]{1,64}$/)
    .default('default'),
  /** XREADGROUP COUNT per stream and read. */
  ENGINE_READ_COUNT: int(1000),
  /** XREADGROUP BLOCK in ms (finite, never 0). */
  ENGINE_BLOCK_MS: int(100),
  /** Most commands archived in one Postgres transaction. */
  ENGINE_MAX_BATCH: int(10_000),
  /** Archive transactions doing their bulk COPY at once (each still COMMITs after the one before). */
  ENGINE_ARCHIVE_PARALLEL: int(2),
  /** Most commands applied in memory but not yet archived; reading pauses above it. */
  ENGINE_MAX_INFLIGHT: int(30_000),
  /** Snapshot a book after this many events since its last snapshot… */
  SNAPSHOT_EVERY_EVENTS: int(200_000),
  /** …or after this many ms, if it changed. */
  SNAPSHOT_EVERY_MS: int(60_000),
  /** Snapshots kept per market (older ones are deleted). */
  SNAPSHOT_KEEP: int(3),
  /** events:{market} keeps at least this many newest entries (and everything a consumer group still needs). */
  EVENTS_STREAM_RETAIN: int(100_000),
  /** How often streams are trimmed and the lag gauge refreshed, ms. */
  ENGINE_MAINTENANCE_MS: int(1_000),
  /** Depth of the book checksum and of book snapshots in market data. */
  MD_DEPTH: int(10),
  /** Deprecated spelling of REDIS_DURABILITY=require: refuse to start unless Redis is durable. */
  REQUIRE_DURABLE_REDIS: bool,
});

export type EngineConfig = z.infer<typeof engineConfigSchema>;

export function loadEngineConfig(env: NodeJS.ProcessEnv = process.env): EngineConfig {
  return loadConfig(engineConfigSchema, env);
}
