export * from './archive';
export * from './codec';
export * from './config';
export * from './engine';
export * from './errors';
export * from './market-data';
export * from './shard';
export * from './snapshots';
