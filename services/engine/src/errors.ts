/**
 * Errors the engine raises, each with a stable code. None of them is swallowed: a failure of the
 * archive or of recovery stops the shard (the process exits and its supervisor restarts it), because
 * the in-memory books may then be ahead of the durable record.
 */
export type EngineErrorCode =
  /** recovery regenerated an event that differs from the archived one, or seqs/ids disagree */
  | 'RECOVERY_MISMATCH'
  /** a stored snapshot does not hash to its recorded hash */
  | 'SNAPSHOT_CORRUPT'
  /** a market of the shard has an invalid spec (units refused it) */
  | 'INVALID_MARKET'
  /** the shard owns no market */
  | 'NO_MARKETS'
  /** Redis is not durable and REQUIRE_DURABLE_REDIS=true */
  | 'REDIS_NOT_DURABLE'
  /** the archive transaction failed: the books are ahead of the record, the shard must restart */
  | 'ARCHIVE_FAILED'
  /** publishing to Redis failed with something other than "already published" */
  | 'PUBLISH_FAILED';

export class EngineError extends Error {
  constructor(
    readonly code: EngineErrorCode,
    message: string,
    readonly details?: Record<string, unknown>,
    options?: { cause?: unknown },
  ) {
    super(`${code}: ${message}`, options);
    this.name = 'EngineError';
  }
}
