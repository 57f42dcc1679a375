/** Inbound client messages, validated (zod). Anything else gets an `error` reply with BAD_REQUEST. */
import { z } from 'zod';
import { BOOK_DEPTHS, CANDLE_INTERVALS, type ClientRequest } from '@exchange/market-data';

const id = z.union([z.string().max(64), z.number().int().safe()]).optional();
const market = z.string().regex(/^[A-Z0-9]{2,20}$/);
const depth = z
  .number()
  .int()
  .refine((d) => (BOOK_DEPTHS as readonly number[]).includes(d), {
    message: `depth must be one of ${BOOK_DEPTHS.join(', ')}`,
  })
  .optional();
const interval = z.enum(
  Object.keys(CANDLE_INTERVALS) as [keyof typeof CANDLE_INTERVALS, ...Array<keyof typeof CANDLE_INTERVALS>],
);

const spec = z.discriminatedUnion('channel', [
  z.strictObject({ channel: z.literal('book'), market, depth }),
  z.strictObject({ channel: z.literal('trades'), market }),
  z.strictObject({ channel: z.literal('ticker'), market }),
  z.strictObject({ channel: z.literal('candles'), market, interval }),
  z.strictObject({ channel: z.literal('private') }),
]);

const subscription = z.object({ op: z.enum(['subscribe', 'unsubscribe']), id }).passthrough();

const auth = z.strictObject({
  op: z.literal('auth'),
  id,
  apiKey: z.string().min(1).max(80),
  timestamp: z.number().int().nonnegative().safe(),
  nonce: z.string().max(64),
  signature: z.string().max(128),
});

const ping = z.strictObject({ op: z.literal('ping'), id });

export type ParsedRequest = { ok: true; request: ClientRequest } | { ok: false; id?: string | number; message: string };

export function parseRequest(text: string): ParsedRequest {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { ok: false, message: 'not JSON' };
  }
  const rawId = (value as { id?: unknown } | null)?.id;
  const replyId = typeof rawId === 'string' || typeof rawId === 'number' ? rawId : undefined;
  const fail = (message: string): ParsedRequest => ({ ok: false, id: replyId, message });
  const op = (value as { op?: unknown } | null)?.op;
  if (op === 'subscribe' || op === 'unsubscribe') {
    const head = subscription.safeParse(value);
    if (!head.success) return fail(issue(head.error));
    const { op: _op, id: _id, ...rest } = head.data as Record<string, unknown>;
    const body = spec.safeParse(rest);
    if (!body.success) return fail(issue(body.error));
    return { ok: true, request: { ...body.data, op: head.data.op, id: head.data.id } as ClientRequest };
  }
  if (op === 'auth') {
    const r = auth.safeParse(value);
    return r.success ? { ok: true, request: r.data } : fail(issue(r.error));
  }
  if (op === 'ping') {
    const r = ping.safeParse(value);
    return r.success ? { ok: true, request: r.data } : fail(issue(r.error));
  }
  return fail('op must be subscribe, unsubscribe, auth or ping');
}

function issue(err: z.ZodError): string {
  const i = err.issues[0];
  return i ? `${i.path.join('.') || 'message'}: ${i.message}` : 'invalid message';
}
