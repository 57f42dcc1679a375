import { z } from 'zod';

/**
 * Commands as they travel on the Redis streams: decimal strings exactly as the user sent them
 * (validated by the gateway with the same market units the engine uses), integers for ids.
 * Unknown fields are rejected, never carried along.
 */

const decimal = z.string().min(1).max(64);
const id = z.number().int().positive().max(Number.MAX_SAFE_INTEGER);
/** Binance's client order id alphabet and length. */
export const clientOrderIdSchema = z.string().regex(/^[A-Za-z0-9._:/-]{1,36}$/);
export const marketSymbolSchema = z.string().regex(/^[A-Z0-9]{2,20}$/);

const base = {
  /** Unique per command; chosen by the gateway (uuid). */
  commandId: z.string().min(1).max(64),
  market: marketSymbolSchema,
  /** ms since epoch, stamped by the gateway; the engine never reads a clock. */
  ts: z.number().int().nonnegative(),
};

export const placeCommandSchema = z.strictObject({
  ...base,
  type: z.literal('place'),
  accountId: id,
  /** From the gateway's atomic INCR + XADD, so ids increase in stream order. */
  orderId: id,
  clientOrderId: clientOrderIdSchema.optional(),
  side: z.enum(['buy', 'sell']),
  orderType: z.enum(['limit', 'market', 'stop_limit', 'stop_market']),
  price: decimal.optional(),
  qty: decimal.optional(),
  quoteQty: decimal.optional(),
  stopPrice: decimal.optional(),
  displayQty: decimal.optional(),
  tif: z.enum(['GTC', 'IOC', 'FOK']),
  postOnly: z.boolean().optional(),
  stp: z.enum(['none', 'cancel_newest', 'cancel_oldest', 'cancel_both', 'decrement_and_cancel']),
});

export const cancelCommandSchema = z.strictObject({
  ...base,
  type: z.literal('cancel'),
  accountId: id,
  orderId: id.optional(),
  clientOrderId: clientOrderIdSchema.optional(),
});

export const cancelAllCommandSchema = z.strictObject({ ...base, type: z.literal('cancel_all'), accountId: id });

export const amendCommandSchema = z.strictObject({
  ...base,
  type: z.literal('amend'),
  accountId: id,
  orderId: id.optional(),
  clientOrderId: clientOrderIdSchema.optional(),
  price: decimal.optional(),
  qty: decimal.optional(),
});

export const haltCommandSchema = z.strictObject({ ...base, type: z.literal('halt') });
export const resumeCommandSchema = z.strictObject({ ...base, type: z.literal('resume') });

export const commandSchema = z.discriminatedUnion('type', [
  placeCommandSchema,
  cancelCommandSchema,
  cancelAllCommandSchema,
  amendCommandSchema,
  haltCommandSchema,
  resumeCommandSchema,
]);

export type Command = z.infer<typeof commandSchema>;
export type PlaceCommand = z.infer<typeof placeCommandSchema>;
export type CancelCommand = z.infer<typeof cancelCommandSchema>;
export type CancelAllCommand = z.infer<typeof cancelAllCommandSchema>;
export type AmendCommand = z.infer<typeof amendCommandSchema>;

/**
 * What the balance manager's lock stage forwards to the engine: the command, the position of the
 * original entry in the market's command stream (monotonic: the engine's dedupe key), and, when the
 * funds could not be locked, the reason the engine must record as the command's outcome.
 */
export interface EngineInput {
  inputId: string;
  command: Command;
  lockRejected?: LockRejectReason;
}

export type LockRejectReason = 'INSUFFICIENT_FUNDS' | 'UNKNOWN_ACCOUNT' | 'PROTECTION_PRICE_REQUIRED';
