/** Human sentences for the API's stable error codes (services/gateway/README.md#errors); the code is always shown too. */
import { isApiError } from '@exchange/client';

const HINTS: Record<string, string> = {
  INSUFFICIENT_FUNDS: 'Not enough available balance to lock the cost of this order.',
  TOO_PRECISE: 'Too many decimals for this market: amounts are never rounded.',
  OFF_TICK: 'The price is not a multiple of the tick size.',
  OFF_LOT: 'The quantity is not a multiple of the lot size.',
  BELOW_MIN_QTY: 'The quantity is below the market minimum.',
  BELOW_MIN_NOTIONAL: 'Price × quantity is below the market minimum.',
  POST_ONLY_WOULD_TAKE: 'Post-only order would have traded at once, so it was rejected (never repriced).',
  PROTECTION_PRICE_REQUIRED: 'A market buy by quantity needs a protection price.',
  MARKET_HALTED: 'The market is halted: only cancels are accepted.',
  ORDER_NOT_OPEN: 'The order is no longer open.',
  ORDER_NOT_FOUND: 'No such order in this account.',
  INVALID_API_KEY: 'Unknown or revoked API key.',
  INVALID_SIGNATURE: 'The signature does not match: check the secret.',
  MISSING_CREDENTIALS: 'Log in with an API key first.',
  TIMESTAMP_OUTSIDE_WINDOW: "This computer's clock is too far from the server's.",
  INSUFFICIENT_SCOPE: 'This API key lacks the permission for that.',
  RATE_LIMITED: 'Too many requests: wait a moment.',
  TOO_MANY_OPEN_ORDERS: 'Too many open orders in this account.',
  AMEND_QTY_NOT_ABOVE_FILLED: 'The new quantity must be above what is already filled.',
  UNAVAILABLE: 'The exchange is not reachable right now.',
  VALIDATION_FAILED: 'The request was not valid.',
};

export interface ShownError {
  code: string;
  text: string;
}

export function describeError(err: unknown): ShownError {
  if (isApiError(err)) {
    const hint = HINTS[err.code];
    const server = err.message.replace(/^\d{3} [A-Z_]+: /, '');
    const retry = err.retryAfterSeconds !== undefined ? ` Retry in ${err.retryAfterSeconds} s.` : '';
    return { code: err.code, text: (hint ? `${hint} (${server})` : server) + retry };
  }
  if (err instanceof TypeError) return { code: 'NETWORK', text: `The exchange did not answer: ${err.message}` };
  return { code: 'ERROR', text: err instanceof Error ? err.message : String(err) };
}
