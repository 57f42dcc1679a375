export * from './client';
export * from './errors';
export * from './signing';
export * from './types';
export * from './ws';
