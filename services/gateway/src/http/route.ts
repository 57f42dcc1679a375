import type { Request } from 'express';
import type { z } from 'zod';
import type { Scope } from '@exchange/client';
import type { AuthContext } from '../auth/authenticate';
import type { IdempotencyContext } from './idempotency';
import type { AdmissionTicket } from './rate-limit';
import type { RouteResult } from '../orders/outcome';

export type { RouteResult };
export type Method = 'get' | 'post' | 'patch' | 'delete';
type Schema = z.ZodType;
type Infer<S> = S extends z.ZodType ? z.output<S> : undefined;

export interface RouteContext<P, Q, B> {
  req: Request;
  params: P;
  query: Q;
  body: B;
  ip: string;
  /** Null only on public routes. */
  auth: AuthContext;
  /** Present when the request carries an Idempotency-Key (routes with `idempotency: 'custom'` use it). */
  idempotency: IdempotencyContext | null;
  /** On routes with `admission: 'handler'`: the request's admission, for the handler's Redis step to run. */
  admission: AdmissionTicket | null;
}

export interface RouteDef<
  P extends Schema | undefined = Schema | undefined,
  Q extends Schema | undefined = Schema | undefined,
  B extends Schema | undefined = Schema | undefined,
> {
  method: Method;
  /** express path, e.g. /v1/orders/:orderId */
  path: string;
  summary: string;
  tag: 'market data' | 'orders' | 'account' | 'admin';
  /** 'public' = no signature (IP rate limit only). */
  scope: 'public' | Scope;
  /** Rate-limit weight. */
  weight: number;
  params?: P;
  query?: Q;
  body?: B;
  /** Documented success statuses, e.g. {200: 'the order', 202: 'queued, outcome unknown'}. */
  responses: Record<number, string>;
  /** 'generic': the router stores and replays answers; 'custom': the handler does (atomically with its effect). */
  idempotency?: 'generic' | 'custom';
  /**
   * 'handler': the handler runs the request's rate limit and replay guard in the same Redis step as
   * its effect (ADR 0025); when it stops before, the router runs them after it. Signed routes only.
   */
  admission?: 'handler';
  /** Admin action name written to audit_log. */
  audit?: string;
  handler(ctx: RouteContext<Infer<P>, Infer<Q>, Infer<B>>): Promise<RouteResult>;
}

export type AnyRoute = RouteDef<Schema | undefined, Schema | undefined, Schema | undefined>;

/** Keeps the handler's ctx typed by the schemas. */
export function route<
  P extends Schema | undefined = undefined,
  Q extends Schema | undefined = undefined,
  B extends Schema | undefined = undefined,
>(def: RouteDef<P, Q, B>): AnyRoute {
  return def as unknown as AnyRoute;
}

export const ok = (body: unknown, status = 200): RouteResult => ({ status, body });
