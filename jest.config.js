const { existsSync } = require('node:fs');

/** One jest run over every package and service; TypeScript is stripped by swc (tsc type-checks separately). */
/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/packages', '<rootDir>/services', '<rootDir>/loadtests', '<rootDir>/e2e'].filter((d) =>
    existsSync(d.replace('<rootDir>', __dirname)),
  ),
  testMatch: ['**/test/**/*.test.ts'],
  transform: {
    '^.+\\.ts$': ['@swc/jest', { jsc: { target: 'es2022' } }],
    // The k6 scripts' pure modules are ES modules in plain JS; the harness and its tests import them.
    '/loadtests/k6/.+\\.js$': ['@swc/jest', { jsc: { target: 'es2022' } }],
  },
  testTimeout: 30000,
};
