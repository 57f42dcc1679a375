export * from './archive-loader';
export * from './book-sync';
export * from './candles';
export * from './checksum';
export * from './crc32';
export * from './decimal';
export * from './feed-protocol';
export * from './l2-book';
