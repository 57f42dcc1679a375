import type { Express, Request, Response } from 'express';
import type { z } from 'zod';
import { normalizeIp } from '../auth/api-keys';
import { rateLimitHeaders, type AuthContext, type Authenticator } from '../auth/authenticate';
import type { AuditLog } from '../admin/audit-log';
import { ApiError } from '../errors';
import { checkSamePayload, inFlight, type IdempotencyContext, type IdempotencyStore } from './idempotency';
import type { AnyRoute, RouteResult } from './route';

export interface RouterDeps {
  authenticator: Authenticator;
  idempotency: IdempotencyStore;
  audit: AuditLog;
}

/** Zod issues as a stable, JSON-safe list. */
function issues(err: z.ZodError): Array<{ path: string; code: string; message: string }> {
  return err.issues.map((i) => ({ path: i.path.map(String).join('.'), code: i.code, message: i.message }));
}

function validate<T>(schema: z.ZodType<T> | undefined, value: unknown, where: string): T | undefined {
  if (!schema) {
    if (value && typeof value === 'object' && Object.keys(value).length) {
      throw new ApiError('VALIDATION_FAILED', `this endpoint takes no ${where} parameters`, { issues: [], where });
    }
    return undefined;
  }
  const parsed = schema.safeParse(value ?? {});
  if (!parsed.success)
    throw new ApiError('VALIDATION_FAILED', `invalid ${where}`, { where, issues: issues(parsed.error) });
  return parsed.data;
}

function parseBody(route: AnyRoute, raw: string, req: Request): unknown {
  if (!raw.length) return route.body ? validate(route.body, {}, 'body') : undefined;
  if (!route.body)
    throw new ApiError('VALIDATION_FAILED', 'this endpoint takes no body', { where: 'body', issues: [] });
  if (!req.is('application/json')) throw new ApiError('UNSUPPORTED_MEDIA_TYPE', 'the body must be application/json');
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch (err) {
    throw new ApiError('MALFORMED_JSON', `the body is not valid JSON: ${(err as Error).message}`);
  }
  return validate(route.body, json, 'body');
}

/** Generic Idempotency-Key handling: reserve, run, store the answer (a 5xx frees the key for a retry). */
async function runIdempotent(
  store: IdempotencyStore,
  idem: IdempotencyContext,
  fn: () => Promise<RouteResult>,
): Promise<RouteResult> {
  const existing = await store.begin(idem);
  if (existing) {
    checkSamePayload(existing, idem);
    if (existing.state === 'done') {
      return {
        status: existing.status ?? 200,
        body: JSON.parse(existing.body ?? 'null'),
        headers: { 'idempotent-replayed': 'true' },
      };
    }
    throw inFlight();
  }
  try {
    const result = await fn();
    if (result.status >= 500) await store.abandon(idem);
    else await store.complete(idem, result.status, result.body);
    return result;
  } catch (err) {
    if (err instanceof ApiError && err.status < 500) await store.complete(idem, err.status, err.toBody());
    else await store.abandon(idem).catch(() => undefined);
    throw err;
  }
}

/** Mounts every route: rate limit and auth, then strict validation, idempotency, the handler, the audit entry. */
export function mountRoutes(app: Express, routes: AnyRoute[], deps: RouterDeps): void {
  for (const r of routes) {
    const endpoint = `${r.method.toUpperCase()} ${r.path}`;
    app[r.method](r.path, async (req: Request, res: Response) => {
      const raw = Buffer.isBuffer(req.body) ? req.body.toString('utf8') : '';
      const target = req.originalUrl;
      const ip = normalizeIp(req.ip ?? req.socket.remoteAddress ?? '');
      let auth: AuthContext | null = null;
      if (r.scope === 'public') {
        res.set(rateLimitHeaders(await deps.authenticator.admitPublic(ip, r.weight)));
      } else {
        const signed = await deps.authenticator.authenticate(
          { method: req.method, target, body: raw, ip, headers: req.headers },
          r.weight,
        );
        auth = signed.auth;
        res.set(rateLimitHeaders(signed.admission));
      }
      const run = async (): Promise<RouteResult> => {
        if (auth && r.scope !== 'public' && !auth.scopes.includes(r.scope)) {
          throw new ApiError('INSUFFICIENT_SCOPE', `this endpoint needs the ${r.scope} scope`, {
            required: r.scope,
            granted: auth.scopes,
          });
        }
        const params = validate(r.params, req.params, 'path');
        const query = validate(r.query, req.query, 'query');
        const body = parseBody(r, raw, req);
        const idem =
          r.idempotency && auth
            ? deps.idempotency.context(req.headers['idempotency-key'], auth.accountId, endpoint, {
                method: req.method,
                target,
                body: raw,
              })
            : null;
        const ctx = { req, params, query, body, ip, auth: auth!, idempotency: idem };
        return r.idempotency === 'generic' && idem
          ? runIdempotent(deps.idempotency, idem, () => r.handler(ctx))
          : r.handler(ctx);
      };
      let result: RouteResult;
      try {
        result = await run();
      } catch (err) {
        if (r.audit && auth) await deps.audit.record({ auth, ip, action: r.audit, target, raw, error: err });
        throw err;
      }
      if (r.audit && auth) await deps.audit.record({ auth, ip, action: r.audit, target, raw, result });
      res.status(result.status);
      if (result.headers) res.set(result.headers);
      if (result.stream) await result.stream(res);
      else res.json(result.body);
    });
  }
}
