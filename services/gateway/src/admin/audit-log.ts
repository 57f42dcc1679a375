import type { Pool } from '@exchange/db';
import type { Logger } from '@exchange/service-kit';
import type { AuditEntry } from '@exchange/client';
import type { AuthContext } from '../auth/authenticate';
import { ApiError } from '../errors';
import type { RouteResult } from '../http/route';
import { cursor } from '../read/order-reads';

/** Drops every `secret` (a created API key's) from what gets stored. */
function redact(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(redact);
  if (v && typeof v === 'object') {
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, k === 'secret' ? '[redacted]' : redact(x)]));
  }
  return v;
}

function jsonOrText(raw: string): unknown {
  if (!raw) return {};
  try {
    return JSON.parse(raw);
  } catch {
    return { unparsed: raw.slice(0, 1000) };
  }
}

/** Every admin action, allowed or refused, in audit_log. */
export class AuditLog {
  constructor(
    private readonly pool: Pool,
    private readonly log: Logger,
  ) {}

  async record(a: {
    auth: AuthContext;
    ip: string;
    action: string;
    target: string;
    raw: string;
    result?: RouteResult;
    error?: unknown;
  }): Promise<void> {
    const status = a.result?.status ?? (a.error instanceof ApiError ? a.error.status : 500);
    const outcome = a.result
      ? redact(a.result.body)
      : a.error instanceof ApiError
        ? a.error.toBody()
        : { code: 'INTERNAL' };
    try {
      await this.pool.query(
        `INSERT INTO audit_log (actor_key_id, actor_account_id, ip, action, target, request, status, outcome)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
        [
          a.auth.keyId,
          a.auth.accountId,
          a.ip,
          a.action,
          a.target,
          JSON.stringify(redact(jsonOrText(a.raw))),
          status,
          JSON.stringify(outcome),
        ],
      );
    } catch (err) {
      // the action already happened; losing its audit line must be loud
      this.log.error({ err, action: a.action, target: a.target }, 'audit log write failed');
      throw err;
    }
  }

  async page(q: { limit: number; cursor?: string }): Promise<{ items: AuditEntry[]; nextCursor: string | null }> {
    const { rows } = await this.pool.query<{
      id: string;
      at: Date;
      actor_key_id: string;
      actor_account_id: string;
      ip: string | null;
      action: string;
      target: string | null;
      status: number;
    }>(
      `SELECT id, at, actor_key_id, actor_account_id, ip, action, target, status FROM audit_log
       WHERE ($1::bigint IS NULL OR id < $1) ORDER BY id DESC LIMIT $2`,
      [cursor.decode(q.cursor), q.limit + 1],
    );
    const items = rows.slice(0, q.limit).map((r) => ({
      id: Number(r.id),
      at: r.at.getTime(),
      actorKeyId: r.actor_key_id,
      actorAccountId: Number(r.actor_account_id),
      ip: r.ip,
      action: r.action,
      target: r.target,
      status: r.status,
    }));
    return { items, nextCursor: rows.length > q.limit ? cursor.encode(items[items.length - 1]!.id) : null };
  }
}
