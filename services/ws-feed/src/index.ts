export { loadWsFeedConfig, wsFeedConfigSchema, type WsFeedConfig } from './config';
export { startWsFeed, type WsFeed } from './feed-node';
export { diffSide } from './book-groups';
