export type ReplayErrorCode =
  /** a market of the request is not in `markets` */
  | 'UNKNOWN_MARKET'
  /** no replay job with that id */
  | 'JOB_NOT_FOUND'
  /** the job was cancelled while it ran */
  | 'CANCELLED'
  /** the job is finished: it can no longer be cancelled */
  | 'JOB_FINISHED'
  /** export of a job that is not an export, or not completed */
  | 'NOT_EXPORTABLE'
  /** an archived row cannot be read (not JSON, malformed seq range) */
  | 'ARCHIVE_UNREADABLE'
  /** a stored engine snapshot does not hash to its recorded hash */
  | 'SNAPSHOT_CORRUPT';

export class ReplayError extends Error {
  constructor(
    readonly code: ReplayErrorCode,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(`${code}: ${message}`);
    this.name = 'ReplayError';
  }
}
