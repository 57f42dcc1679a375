export * from './errors';
export * from './locks';
export * from './money';
export * from './postings';
export * from './settle';
export * from './types';
