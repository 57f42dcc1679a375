export * from './fees';
export * from './market-book';
