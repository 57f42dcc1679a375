import { z } from 'zod';

/** Settings every service reads. Each service extends this with its own. */
export const baseConfigSchema = z.object({
  DATABASE_URL: z.string().default('postgres://postgres@127.0.0.1:5432/test'),
  /** Postgres schema (tests run each in their own). */
  DATABASE_SCHEMA: z
    .string()
    .regex(/^[a-z_][a-z0-9_]*$/)
    .default('public'),
  REDIS_URL: z.string().default('redis://127.0.0.1:6379'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** Port of /healthz, /readyz and /metrics; 0 picks a free one. */
  OPS_PORT: z.coerce.number().int().min(0).max(65535).default(0),
  /** Redis without appendonly yes + appendfsync always: `warn` loudly at start, or `require` (refuse to start). ADR 0081. */
  REDIS_DURABILITY: z.enum(['warn', 'require']).default('warn'),
});

export class ConfigError extends Error {
  readonly code = 'INVALID_CONFIG';
}

/** Reads the environment once, validated; a bad value stops the service at start with every problem listed. */
export function loadConfig<S extends z.ZodType>(schema: S, env: NodeJS.ProcessEnv = process.env): z.infer<S> {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new ConfigError(`invalid configuration: ${problems}`);
  }
  return parsed.data;
}
