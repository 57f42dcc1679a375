export * from './config';
export * from './metrics';
export * from './worker';
