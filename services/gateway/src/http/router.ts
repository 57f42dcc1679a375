import type { Express, Request, RequestHandler, Response } from 'express';
import type { z } from 'zod';
import { normalizeIp } from '../auth/api-keys';
import type { AuthContext, Authenticator } from '../auth/authenticate';
import type { AuditLog } from '../admin/audit-log';
import { ApiError } from '../errors';
import { checkSamePayload, inFlight, type IdempotencyContext, type IdempotencyStore } from './idempotency';
import { rateLimitHeaders, type AdmissionTicket } from './rate-limit';
import { readRawBody } from './raw-body';
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

/** application/json with any parameters (charset), as req.is('application/json') matched it, without parsing. */
const JSON_TYPE = /^application\/json[\t ]*(?:;|$)/i;

function parseBody(route: AnyRoute, raw: string, req: Request): unknown {
  if (!raw.length) return route.body ? validate(route.body, {}, 'body') : undefined;
  if (!route.body)
    throw new ApiError('VALIDATION_FAILED', 'this endpoint takes no body', { where: 'body', issues: [] });
  if (!JSON_TYPE.test(req.headers['content-type'] ?? ''))
    throw new ApiError('UNSUPPORTED_MEDIA_TYPE', 'the body must be application/json');
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

/**
 * Scope, strict validation and idempotency, then the route's handler. A module function rather than
 * a closure made per request (see raw-body.ts).
 */
async function runRoute(
  r: AnyRoute,
  deps: RouterDeps,
  endpoint: string,
  c: {
    req: Request;
    raw: string;
    target: string;
    ip: string;
    auth: AuthContext | null;
    admission: AdmissionTicket | null;
  },
): Promise<RouteResult> {
  const { req, raw, target, auth } = c;
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
  const ctx = { req, params, query, body, ip: c.ip, auth: auth!, idempotency: idem, admission: c.admission };
  return r.idempotency === 'generic' && idem
    ? runIdempotent(deps.idempotency, idem, () => r.handler(ctx))
    : r.handler(ctx);
}

type Handler = (req: Request, res: Response) => Promise<void>;

export interface ApiRoutes {
  /**
   * First in the app: a request whose method and path are exactly a route's without path
   * parameters is counted, read (body) and answered here, in one map lookup (ADR 0025).
   */
  exact: RequestHandler;
  /** Every route as an express route, for the rest: another case, a trailing slash, HEAD, OPTIONS, path parameters. */
  mount(app: Express): void;
}

/** What a request goes through before its route: metrics and the body (the app's middleware does both for express's routes). */
export interface Prelude {
  track(req: Request, res: Response): void;
  bodyLimitBytes: number;
}

/** Every route: rate limit and auth, then strict validation, idempotency, the handler, the audit entry. */
export function apiRoutes(routes: AnyRoute[], deps: RouterDeps, prelude: Prelude): ApiRoutes {
  const exact = new Map<string, Handler>();
  const handlers: Array<[AnyRoute, Handler]> = [];
  /**
   * A deferred admission the handler did not run (it answered or failed before its Redis step):
   * run now, so the request still counts and its nonce is used; its refusal replaces the answer.
   */
  const admitAfter = async (ticket: AdmissionTicket | null, res: Response) => {
    if (!ticket) return;
    ticket.result ??= await deps.authenticator.admit(ticket.plan);
    setHeaders(res, rateLimitHeaders(ticket.result));
  };
  for (const r of routes) {
    const endpoint = `${r.method.toUpperCase()} ${r.path}`;
    if (r.admission === 'handler' && (r.scope === 'public' || r.idempotency === 'generic')) {
      // a generic idempotent answer would be stored before a refusal could replace it
      throw new Error(`${endpoint}: a handler admission needs a signed route with custom idempotency`);
    }
    const handler: Handler = async (req, res) => {
      res.locals.route = r.path;
      const raw = Buffer.isBuffer(req.body) ? req.body.toString('utf8') : '';
      const target = req.originalUrl;
      const ip = normalizeIp(req.ip ?? req.socket.remoteAddress ?? '');
      let auth: AuthContext | null = null;
      let admission: AdmissionTicket | null = null;
      if (r.scope === 'public') {
        setHeaders(res, rateLimitHeaders(await deps.authenticator.admitPublic(ip, r.weight)));
      } else {
        const signed = { method: req.method, target, body: raw, ip, headers: req.headers };
        if (r.admission === 'handler') {
          const verified = await deps.authenticator.verify(signed, r.weight);
          auth = verified.auth;
          admission = { plan: verified.admission, result: null };
        } else {
          const authenticated = await deps.authenticator.authenticate(signed, r.weight);
          auth = authenticated.auth;
          setHeaders(res, rateLimitHeaders(authenticated.admission));
        }
      }
      let result: RouteResult;
      try {
        result = await runRoute(r, deps, endpoint, { req, raw, target, ip, auth, admission }).finally(() =>
          admitAfter(admission, res),
        );
      } catch (err) {
        if (r.audit && auth) await deps.audit.record({ auth, ip, action: r.audit, target, raw, error: err });
        throw err;
      }
      if (r.audit && auth) await deps.audit.record({ auth, ip, action: r.audit, target, raw, result });
      res.statusCode = result.status;
      if (result.headers) setHeaders(res, result.headers);
      if (result.stream) await result.stream(res);
      else sendJson(res, result.body);
    };
    if (!r.path.includes(':')) exact.set(endpoint, handler);
    handlers.push([r, handler]);
  }
  return {
    exact: (req, res, next) => {
      const q = req.url.indexOf('?');
      const handler = exact.get(`${req.method} ${q < 0 ? req.url : req.url.slice(0, q)}`);
      if (!handler) return next();
      prelude.track(req, res);
      readRawBody(req, prelude.bodyLimitBytes)
        .then((body) => {
          req.body = body;
          return handler(req, res);
        })
        .catch(next);
    },
    mount(app) {
      for (const [r, handler] of handlers) app[r.method](r.path, handler);
    },
  };
}

function setHeaders(res: Response, headers: Record<string, string>): void {
  for (const name in headers) res.setHeader(name, headers[name]!);
}

/** What res.json does for these bodies (no ETag, no JSONP), without its content-type parsing. */
function sendJson(res: Response, body: unknown): void {
  const text = JSON.stringify(body) ?? '';
  res.setHeader('content-type', 'application/json; charset=utf-8');
  res.setHeader('content-length', Buffer.byteLength(text));
  res.end(text);
}
