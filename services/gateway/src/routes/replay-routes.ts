import { exportNdjson, replayRequestSchema, ReplayError } from '@exchange/replay';
import { z } from 'zod';
import { ApiError } from '../errors';
import { ok, route, type AnyRoute } from '../http/route';
import { pageQuery } from '../api/schemas';
import type { GatewayServices } from './services';

const jobParams = z.strictObject({ jobId: z.uuid() });

/** ReplayError → the API's error (same codes). */
async function api<T>(work: Promise<T>): Promise<T> {
  try {
    return await work;
  } catch (err) {
    if (err instanceof ReplayError) throw new ApiError(err.code, err.message.replace(/^[A-Z_]+: /, ''), err.details);
    throw err;
  }
}

/**
 * Admin replay (issue 7, ADR 0072): replays run as bullmq jobs in services/replay; these routes
 * enqueue, read, list, cancel and export them. Admin scope; every call is in audit_log, and the
 * worker adds the job's outcome there when it finishes.
 */
export function replayRoutes(s: GatewayServices): AnyRoute[] {
  return [
    route({
      method: 'post',
      path: '/v1/admin/replays',
      summary: 'Start a replay job (verify, reconstruct or export) of markets up to a seq or time',
      tag: 'admin',
      scope: 'admin',
      weight: 5,
      body: replayRequestSchema,
      idempotency: 'generic',
      audit: 'replay.create',
      responses: { 202: '{jobId, state: "queued"}' },
      handler: async ({ body, auth }) => {
        for (const m of body.markets) {
          if (!(await s.markets.get(m))) throw new ApiError('UNKNOWN_MARKET', `unknown market ${m}`, { market: m });
        }
        const job = await s.replays.enqueue(body, { keyId: auth.keyId, accountId: auth.accountId });
        return ok({ jobId: job.jobId, state: job.state }, 202);
      },
    }),
    route({
      method: 'get',
      path: '/v1/admin/replays',
      summary: 'Recent replay jobs, newest first',
      tag: 'admin',
      scope: 'admin',
      weight: 1,
      query: pageQuery,
      audit: 'replay.list',
      responses: { 200: '{items: ReplayJob[], nextCursor}' },
      handler: async ({ query }) => ok(await api(s.replays.list({ limit: query.limit, cursor: query.cursor }))),
    }),
    route({
      method: 'get',
      path: '/v1/admin/replays/:jobId',
      summary: 'A replay job: state, progress and (when finished) its result',
      tag: 'admin',
      scope: 'admin',
      weight: 1,
      params: jobParams,
      audit: 'replay.read',
      responses: { 200: 'ReplayJob' },
      handler: async ({ params }) => ok(await api(s.replays.get(params.jobId))),
    }),
    route({
      method: 'delete',
      path: '/v1/admin/replays/:jobId',
      summary: 'Cancel a queued or running replay job',
      tag: 'admin',
      scope: 'admin',
      weight: 1,
      params: jobParams,
      audit: 'replay.cancel',
      responses: { 200: 'ReplayJob (state cancelled)' },
      handler: async ({ params }) => ok(await api(s.replays.cancel(params.jobId))),
    }),
    route({
      method: 'get',
      path: '/v1/admin/replays/:jobId/export',
      summary:
        "A completed export job's events as NDJSON (one archived event JSON per line, seq order, market by market)",
      tag: 'admin',
      scope: 'admin',
      weight: 10,
      params: jobParams,
      audit: 'replay.export',
      responses: { 200: 'application/x-ndjson' },
      handler: async ({ params }) => {
        const job = await api(s.replays.get(params.jobId));
        if (job.mode !== 'export' || job.state !== 'completed') {
          throw new ApiError('NOT_EXPORTABLE', `replay job ${job.jobId} is not a completed export`, {
            jobId: job.jobId,
            mode: job.mode,
            state: job.state,
          });
        }
        return {
          status: 200,
          body: { jobId: job.jobId, exported: job.result?.exported ?? 0 },
          headers: { 'content-type': 'application/x-ndjson' },
          stream: async (res) => {
            await exportNdjson(
              s.pool,
              job,
              (chunk) => res.write(chunk),
              () => new Promise<void>((resolve) => res.once('drain', () => resolve())),
            );
            res.end();
          },
        };
      },
    }),
  ];
}
