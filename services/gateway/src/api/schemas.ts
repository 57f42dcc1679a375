import { z } from 'zod';
import { clientOrderIdSchema, marketSymbolSchema, placeCommandSchema } from '@exchange/protocol';

/**
 * Request schemas of the REST API. Strict objects everywhere: an unknown field (accountId, status,
 * fee, …) is a 400, never silently dropped or assigned. Enums and id formats come from the
 * protocol's command schemas, so the API cannot accept what the engine would not.
 */
const decimal = z.string().min(1).max(64).describe('decimal string, e.g. "65000.10"');
const place = placeCommandSchema.shape;

export const placeOrderBody = z.strictObject({
  market: marketSymbolSchema,
  side: place.side,
  type: place.orderType,
  tif: place.tif.optional(),
  price: decimal.optional(),
  qty: decimal.optional(),
  quoteQty: decimal.optional(),
  stopPrice: decimal.optional(),
  displayQty: decimal.optional(),
  postOnly: z.boolean().optional(),
  stp: place.stp.optional(),
  clientOrderId: clientOrderIdSchema.optional(),
  respType: z.enum(['ack', 'result']).optional(),
});
export type PlaceOrderBody = z.infer<typeof placeOrderBody>;

export const amendOrderBody = z
  .strictObject({ price: decimal.optional(), qty: decimal.optional() })
  .refine((b) => b.price !== undefined || b.qty !== undefined, { message: 'price or qty is required' });

const orderIdParam = z.coerce.number().int().positive().max(Number.MAX_SAFE_INTEGER);
export const orderIdParams = z.strictObject({ orderId: orderIdParam });
export const clientOrderIdParams = z.strictObject({ clientOrderId: clientOrderIdSchema });
export const marketParams = z.strictObject({ symbol: marketSymbolSchema });
export const accountIdParams = z.strictObject({ accountId: orderIdParam });
export const keyIdParams = z.strictObject({ keyId: z.string().regex(/^ak_[A-Za-z0-9]{16,64}$/) });

const limit = (max: number, dflt: number) => z.coerce.number().int().min(1).max(max).default(dflt);
const cursor = z.string().max(64).optional();
export const orderStatusSchema = z.enum(['NEW', 'PARTIALLY_FILLED', 'FILLED', 'CANCELED', 'REJECTED', 'EXPIRED']);

export const marketQuery = z.strictObject({ market: marketSymbolSchema });
export const optionalMarketQuery = z.strictObject({ market: marketSymbolSchema.optional() });
export const historyQuery = z.strictObject({
  market: marketSymbolSchema.optional(),
  status: orderStatusSchema.optional(),
  limit: limit(500, 100),
  cursor,
});
export const fillsQuery = z.strictObject({
  market: marketSymbolSchema.optional(),
  orderId: orderIdParam.optional(),
  limit: limit(500, 100),
  cursor,
});
export const ledgerQuery = z.strictObject({
  asset: z
    .string()
    .regex(/^[A-Z0-9]{1,12}$/)
    .optional(),
  limit: limit(500, 100),
  cursor,
});
export const depthQuery = z.strictObject({ depth: limit(500, 50) });
export const tradesQuery = z.strictObject({ limit: limit(1000, 100) });
export const candleIntervals = {
  '1m': 60_000,
  '5m': 300_000,
  '15m': 900_000,
  '1h': 3_600_000,
  '4h': 14_400_000,
  '1d': 86_400_000,
} as const;
export const candlesQuery = z.strictObject({
  interval: z.enum(
    Object.keys(candleIntervals) as [keyof typeof candleIntervals, ...Array<keyof typeof candleIntervals>],
  ),
  limit: limit(1000, 200),
  startTime: z.coerce.number().int().nonnegative().optional(),
  endTime: z.coerce.number().int().nonnegative().optional(),
});
export const pageQuery = z.strictObject({ limit: limit(500, 100), cursor });

const scope = z.enum(['read', 'trade', 'admin']);
const ipEntry = z.string().max(64).describe('IP address or CIDR');
export const createAccountBody = z.strictObject({ label: z.string().max(100).optional() });
export const createApiKeyBody = z.strictObject({
  label: z.string().max(100).optional(),
  scopes: z.array(scope).max(3).optional(),
  ipAllowlist: z.array(ipEntry).max(50).optional(),
});
export const updateApiKeyBody = createApiKeyBody;
const amount = decimal;
export const transferBody = z.strictObject({
  accountId: orderIdParam,
  asset: z.string().regex(/^[A-Z0-9]{1,12}$/),
  amount,
  reference: z.string().min(1).max(100),
});
export const createMarketBody = z.strictObject({
  symbol: marketSymbolSchema,
  base: z.string().regex(/^[A-Z0-9]{1,12}$/),
  quote: z.string().regex(/^[A-Z0-9]{1,12}$/),
  tickSize: decimal,
  lotSize: decimal,
  minQty: decimal,
  minNotional: decimal.optional(),
  makerFeeBps: z.number().int().min(0).max(1000).optional(),
  takerFeeBps: z.number().int().min(0).max(1000).optional(),
  maxOpenOrders: z.number().int().min(1).max(100_000).optional(),
});
export const emptyBody = z.strictObject({});
