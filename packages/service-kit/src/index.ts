export * from './config';
export * from './log';
export * from './ops';
export * from './redis';
export * from './shutdown';
export * from './reply-cutting-proxy';
