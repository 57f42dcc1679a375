/**
 * Binance's error body `{"code": -NNNN, "msg": "..."}` with its real codes and messages, and the
 * mapping from our stable codes (errors.ts) onto them. Messages are Binance's verbatim where ccxt
 * and bots match on them ("Duplicate order sent.", "Account has insufficient balance for requested
 * action.", "Order would immediately match and take.", "Market is closed.").
 */
export class BinanceError extends Error {
  constructor(
    readonly code: number,
    readonly msg: string,
    readonly status = 400,
    readonly headers: Record<string, string> = {},
    /** cancelReplace puts both halves' results here. */
    readonly data?: unknown,
  ) {
    super(msg);
  }

  toBody(): { code: number; msg: string; data?: unknown } {
    return this.data === undefined
      ? { code: this.code, msg: this.msg }
      : { code: this.code, msg: this.msg, data: this.data };
  }
}

export const MSG = {
  unknown: 'An unknown error occured while processing the request.',
  timeout: 'Timeout waiting for response from backend server. Send status unknown; execution status unknown.',
  invalidSymbol: 'Invalid symbol.',
  duplicateOrder: 'Duplicate order sent.',
  insufficientBalance: 'Account has insufficient balance for requested action.',
  wouldTake: 'Order would immediately match and take.',
  marketClosed: 'Market is closed.',
  orderDoesNotExist: 'Order does not exist.',
  unknownOrder: 'Unknown order sent.',
  precision: 'Precision is over the maximum defined for this asset.',
  badSignature: 'Signature for this request is not valid.',
  badKeyFormat: 'API-key format invalid.',
  rejectedKey: 'Invalid API-key, IP, or permissions for action.',
  outsideWindow: 'Timestamp for this request is outside of the recvWindow.',
  recvWindowTooLarge: 'recvWindow must be less than 60000',
  noLiquidity: 'Order book liquidity is less than LOT_SIZE filter minimum quantity.',
  invalidInterval: 'Invalid interval.',
} as const;

export const err = {
  mandatory: (name: string) =>
    new BinanceError(-1102, `Mandatory parameter '${name}' was not sent, was empty/null, or malformed.`),
  eitherOf: (a: string, b: string) =>
    new BinanceError(-1102, `Param '${a}' or '${b}' must be sent, but both were empty/null!`),
  illegal: (name: string, legal: string) =>
    new BinanceError(-1100, `Illegal characters found in parameter '${name}'; legal range is '${legal}'.`),
  notRequired: (name: string) => new BinanceError(-1106, `Parameter '${name}' sent when not required.`),
  notAllRead: (read: number, sent: number) =>
    new BinanceError(-1104, `Not all sent parameters were read; read '${read}' parameter(s) but was sent '${sent}'.`),
  duplicateParam: () => new BinanceError(-1101, 'Duplicate values for a parameter detected.'),
  invalidSymbol: () => new BinanceError(-1121, MSG.invalidSymbol),
  filter: (name: string) => new BinanceError(-1013, `Filter failure: ${name}`),
  rejected: (msg: string) => new BinanceError(-2010, msg),
  unknownOrder: () => new BinanceError(-2011, MSG.unknownOrder),
  orderDoesNotExist: () => new BinanceError(-2013, MSG.orderDoesNotExist),
  timeout: () => new BinanceError(-1007, MSG.timeout, 503),
  internal: () => new BinanceError(-1000, MSG.unknown, 500),
};

/**
 * Our error code (ApiError / book / lock-stage reason) as Binance's. `field` is the parameter the
 * refusal is about, in Binance's naming. Codes not listed are -1013 (the request was refused by a
 * rule of the exchange) with our code in the message, so nothing is silently renamed.
 */
export function fromOurCode(code: string, field: string, message: string): BinanceError {
  switch (code) {
    case 'UNKNOWN_MARKET':
      return err.invalidSymbol();
    case 'DUPLICATE_CLIENT_ORDER_ID':
      return err.rejected(MSG.duplicateOrder);
    case 'INSUFFICIENT_FUNDS':
      return err.rejected(MSG.insufficientBalance);
    case 'POST_ONLY_WOULD_TAKE':
      return err.rejected(MSG.wouldTake);
    case 'MARKET_HALTED':
      return err.rejected(MSG.marketClosed);
    case 'STOP_WOULD_TRIGGER_IMMEDIATELY':
      return err.rejected('Stop price would trigger immediately.');
    case 'ORDER_NOT_FOUND':
    case 'UNKNOWN_ORDER':
    case 'ORDER_NOT_OPEN':
      return err.unknownOrder();
    case 'TOO_PRECISE':
      return new BinanceError(-1111, MSG.precision);
    case 'OFF_TICK':
    case 'OUT_OF_RANGE':
      return err.filter(field === 'price' || field === 'stopPrice' ? 'PRICE_FILTER' : 'LOT_SIZE');
    case 'OFF_LOT':
    case 'BELOW_MIN_QTY':
      return err.filter(field === 'quoteOrderQty' ? 'NOTIONAL' : 'LOT_SIZE');
    case 'BELOW_MIN_NOTIONAL':
      return err.filter('NOTIONAL');
    case 'TOO_MANY_OPEN_ORDERS':
      return err.filter('MAX_NUM_ORDERS');
    case 'ZERO':
    case 'NEGATIVE':
      return new BinanceError(-1013, field === 'price' ? 'Invalid price.' : 'Invalid quantity.');
    case 'MALFORMED':
    case 'EXPONENT_FORM':
    case 'EMPTY':
    case 'NOT_A_STRING':
      return err.illegal(field, '^([0-9]{1,20})(\\.[0-9]{1,20})?$');
    case 'PROTECTION_PRICE_REQUIRED':
      return err.rejected(MSG.noLiquidity);
    case 'RATE_LIMITED':
      return new BinanceError(-1003, 'Too many requests; please use WebSocket Streams for live updates.', 429);
    case 'UNAVAILABLE':
      return new BinanceError(-1001, 'Internal error; unable to process your request. Please try again.', 503);
    case 'INTERNAL':
      return err.internal();
    default:
      return new BinanceError(-1013, `${message} (${code})`);
  }
}

/** Our field names → Binance's parameter names. */
export const BINANCE_FIELD: Record<string, string> = {
  qty: 'quantity',
  quoteQty: 'quoteOrderQty',
  price: 'price',
  stopPrice: 'stopPrice',
  displayQty: 'icebergQty',
  clientOrderId: 'newClientOrderId',
};
