export * from './fees';
export * from './market-book';
export * from './matcher';
