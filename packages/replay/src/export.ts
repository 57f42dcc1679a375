import type { Pool } from '@exchange/db';
import { eventLines } from './archive';
import { copyField } from './copy-lines';
import { ReplayError } from './errors';
import type { ReplayJobView } from './types';

/**
 * Streams the archived events of a completed export job as NDJSON, market after market, each line
 * the event's body exactly as archived. `write` returns false to ask for a pause (backpressure).
 */
export async function exportNdjson(
  pool: Pool,
  job: ReplayJobView,
  write: (chunk: string) => boolean | Promise<boolean>,
  drain: () => Promise<void>,
): Promise<number> {
  if (job.mode !== 'export' || job.state !== 'completed' || !job.result) {
    throw new ReplayError('NOT_EXPORTABLE', `replay job ${job.jobId} is not a completed export`, {
      jobId: job.jobId,
      mode: job.mode,
      state: job.state,
    });
  }
  let n = 0;
  for (const m of job.result.markets) {
    const client = await pool.connect();
    let clean = false;
    try {
      for await (const lines of eventLines(client, m.market, 0, m.seq)) {
        let chunk = '';
        for (const line of lines) chunk += `${copyField(line.slice(line.indexOf('\t') + 1))}\n`;
        n += lines.length;
        if (!(await write(chunk))) await drain();
      }
      clean = true;
    } finally {
      client.release(!clean);
    }
  }
  return n;
}
