/**
 * The command schema's verdict on the engine's hot path (ADR 0084). zod, compiled as it is, was
 * about a fifth of what a command cost the engine's MarketState, so `parseCommand` first runs a
 * hand-written check of the same rules. It answers only "accepted as it is": anything it does not
 * accept goes to `commandSchema`, which decides and names the field, so a refusal is always zod's
 * own. A property test holds the check to the schema: what it accepts, zod accepts with the same
 * data, and it accepts every well-formed command.
 */
import type { z } from 'zod';
import { commandSchema, type Command } from './commands';

type Check = (v: unknown) => boolean;

const CLIENT_ORDER_ID = /^[A-Za-z0-9._:/-]{1,36}$/;
const MARKET_SYMBOL = /^[A-Z0-9]{2,20}$/;

const string =
  (min: number, max: number): Check =>
  (v) =>
    typeof v === 'string' && v.length >= min && v.length <= max;
const oneOf = (...values: string[]): Check => {
  const set = new Set(values);
  return (v) => typeof v === 'string' && set.has(v);
};
const decimal = string(1, 64);
/** Safe integers only: zod's `.int()` refuses the rest, and `.max(MAX_SAFE_INTEGER)` adds nothing to that. */
const id: Check = (v) => typeof v === 'number' && Number.isSafeInteger(v) && v > 0;
const ts: Check = (v) => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
const clientOrderId: Check = (v) => typeof v === 'string' && CLIENT_ORDER_ID.test(v);

/** Field → [check, required], per command type: what `commands.ts` declares. */
type Shape = Map<string, [Check, boolean]>;

function shape(fields: Record<string, [Check, boolean]>): Shape {
  return new Map([
    ['commandId', [string(1, 64), true]],
    ['market', [(v) => typeof v === 'string' && MARKET_SYMBOL.test(v), true]],
    ['ts', [ts, true]],
    ['type', [() => true, true]],
    ...Object.entries(fields),
  ]);
}

const SHAPES = new Map<unknown, Shape>([
  [
    'place',
    shape({
      accountId: [id, true],
      orderId: [id, true],
      clientOrderId: [clientOrderId, false],
      side: [oneOf('buy', 'sell'), true],
      orderType: [oneOf('limit', 'market', 'stop_limit', 'stop_market'), true],
      price: [decimal, false],
      qty: [decimal, false],
      quoteQty: [decimal, false],
      stopPrice: [decimal, false],
      displayQty: [decimal, false],
      tif: [oneOf('GTC', 'IOC', 'FOK'), true],
      postOnly: [(v) => typeof v === 'boolean', false],
      stp: [oneOf('none', 'cancel_newest', 'cancel_oldest', 'cancel_both', 'decrement_and_cancel'), true],
    }),
  ],
  ['cancel', shape({ accountId: [id, true], orderId: [id, false], clientOrderId: [clientOrderId, false] })],
  ['cancel_all', shape({ accountId: [id, true] })],
  [
    'amend',
    shape({
      accountId: [id, true],
      orderId: [id, false],
      clientOrderId: [clientOrderId, false],
      price: [decimal, false],
      qty: [decimal, false],
    }),
  ],
  ['halt', shape({})],
  ['resume', shape({})],
]);

const REQUIRED = new Map([...SHAPES].map(([type, s]) => [type, [...s.values()].filter(([, req]) => req).length]));

/** True when `commandSchema` accepts `v` and gives it back unchanged (JSON values: no `undefined`). */
export function isWellFormedCommand(v: unknown): v is Command {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const o = v as Record<string, unknown>;
  const s = SHAPES.get(o.type);
  if (!s) return false;
  let required = 0;
  for (const key in o) {
    if (!Object.prototype.hasOwnProperty.call(o, key)) return false;
    const field = s.get(key);
    if (!field || !field[0](o[key])) return false;
    if (field[1]) required++;
  }
  return required === REQUIRED.get(o.type);
}

/** `commandSchema.safeParse`, with the hand-written check in front (see above). */
export function parseCommand(v: unknown): z.ZodSafeParseResult<Command> {
  return isWellFormedCommand(v) ? { success: true, data: v } : commandSchema.safeParse(v);
}
