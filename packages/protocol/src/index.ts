export * from './commands';
export * from './events';
export * from './streams';
export * from './market-data';
export * from './account-updates';
export * from './command-check';
