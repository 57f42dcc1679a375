export { FeedClient, type FeedClientOptions } from './feed-client';
export { LocalBook, type BookUpdateOutcome } from './local-book';
export type { WebSocketConstructor, WebSocketLike } from './socket';
export {
  CLOSE_CODES as FEED_CLOSE_CODES,
  type BookSnapshotMessage,
  type ClientRequest as FeedRequest,
  type ServerMessage as FeedServerMessage,
  type SubscriptionSpec as FeedSubscription,
} from '@exchange/market-data';
