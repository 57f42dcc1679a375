export * from './pool';
export * from './migrate';
export * from './test-schema';
export * from './array-literal';
export * from './copy-text';
export * from './market-config';
