/**
 * The ws-feed wire protocol (JSON text frames), shared by the server (services/ws-feed) and the SDK
 * (packages/client). Market messages from the engine (`book`, `trades`, `ticker`, `status`) and the
 * account messages (`orders`, `balances`) are forwarded byte for byte as published on Redis; the
 * feed adds the envelope messages below. See docs/ARCHITECTURE.md, "WebSocket feed".
 */
import type {
  AccountBalancesMessage,
  AccountOrdersMessage,
  MdBookMessage,
  MdLevel,
  MdStatusMessage,
  MdTickerMessage,
  MdTradesMessage,
} from '@exchange/protocol';
import type { Candle, CandleInterval } from './candles';

export type {
  AccountBalancesMessage,
  AccountOrdersMessage,
  MdBookMessage,
  MdLevel,
  MdStatusMessage,
  MdTickerMessage,
  MdTrade,
  MdTradesMessage,
} from '@exchange/protocol';

export type PublicChannel = 'book' | 'trades' | 'ticker' | 'candles';
export type FeedChannel = PublicChannel | 'private';

/** Book depths a client may ask for; 0 (or none) = the full book. */
export const BOOK_DEPTHS = [0, 10, 25, 50, 100, 500, 1000] as const;
export type BookDepth = (typeof BOOK_DEPTHS)[number];

export type RequestId = string | number;

export type SubscriptionSpec =
  | { channel: 'book'; market: string; depth?: BookDepth }
  | { channel: 'trades' | 'ticker'; market: string }
  | { channel: 'candles'; market: string; interval: CandleInterval }
  | { channel: 'private' };

// ---- client → server ------------------------------------------------------------------------------

export type ClientRequest =
  | ({ op: 'subscribe'; id?: RequestId } & SubscriptionSpec)
  | ({ op: 'unsubscribe'; id?: RequestId } & SubscriptionSpec)
  /**
   * API-key authentication for the private channel. signature = hex HMAC-SHA256(secret,
   * canonicalString({ timestamp, nonce, method: 'GET', target: WS_AUTH_TARGET, body: '' })), the
   * gateway's canonical string (@exchange/client signing.ts); the same receive window and a
   * single-use nonce.
   */
  | { op: 'auth'; id?: RequestId; apiKey: string; timestamp: number; nonce: string; signature: string }
  | { op: 'ping'; id?: RequestId };

/** The request target signed by `auth`. */
export const WS_AUTH_TARGET = '/ws/auth';

// ---- server → client ------------------------------------------------------------------------------

export type SubscriptionAck = { type: 'subscribed' | 'unsubscribed'; id?: RequestId } & SubscriptionSpec;

export interface AuthenticatedMessage {
  type: 'authenticated';
  id?: RequestId;
  accountId: number;
}

export interface ErrorMessage {
  type: 'error';
  id?: RequestId;
  code: FeedErrorCode;
  message: string;
}

export interface PongMessage {
  type: 'pong';
  id?: RequestId;
  time: number;
}

/**
 * The book as of `lastUpdateId` (an engine seq): sent on subscribe, and again whenever the node
 * itself resynced (a client must then replace its book). `checksum` covers the top `depth` levels.
 * Deltas that follow have `u > lastUpdateId` and `pu <= lastUpdateId` for the first.
 */
export interface BookSnapshotMessage {
  type: 'snapshot';
  market: string;
  lastUpdateId: number;
  /** The subscription's depth (0 = full). */
  limit: number;
  bids: MdLevel[];
  asks: MdLevel[];
  checksum: number;
  depth: number;
}

/** Recent candles, oldest first, on subscribe and after a node resync. */
export interface CandlesMessage {
  type: 'candles';
  market: string;
  interval: CandleInterval;
  candles: Candle[];
}

/** The current (or a late-updated) candle after a trade. */
export interface CandleMessage {
  type: 'candle';
  market: string;
  interval: CandleInterval;
  candle: Candle;
}

export type ServerMessage =
  | SubscriptionAck
  | AuthenticatedMessage
  | ErrorMessage
  | PongMessage
  | BookSnapshotMessage
  | MdBookMessage
  | MdTradesMessage
  | MdTickerMessage
  | MdStatusMessage
  | CandlesMessage
  | CandleMessage
  | AccountOrdersMessage
  | AccountBalancesMessage;

export type FeedErrorCode =
  'BAD_REQUEST' | 'UNKNOWN_MARKET' | 'UNAUTHENTICATED' | 'AUTH_FAILED' | 'TOO_MANY_SUBSCRIPTIONS' | 'INTERNAL';

/** Close codes the feed uses (RFC 6455 ones plus the application range). */
export const CLOSE_CODES = {
  /** the node is shutting down: reconnect (to another node) */
  goingAway: 1001,
  /** a frame over maxPayload (sent by the ws library) */
  tooBig: 1009,
  /** unexpected server error */
  internal: 1011,
  /** the client read too slowly: its send buffer passed the limit */
  slowConsumer: 4008,
  /** the client sent more messages than its inbound rate allows */
  rateLimited: 4029,
} as const;
// A client that misses a heartbeat pong is terminated without a close frame (it sees 1006).
