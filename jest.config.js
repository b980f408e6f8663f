/** @type {import('jest').Config} */
export default {
  testEnvironment: 'node',
  // Workspace packages are imported from their TypeScript sources (package.json "exports" condition).
  testEnvironmentOptions: { customExportConditions: ['portcullis-source', 'node', 'node-addons'] },
  extensionsToTreatAsEsm: ['.ts'],
  transform: {
    '^.+\\.ts$': ['@swc/jest', { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' }, module: { type: 'es6' } }],
  },
  testMatch: ['<rootDir>/test/**/*.test.ts', '<rootDir>/packages/*/test/**/*.test.ts'],
  setupFiles: ['<rootDir>/test/support/test-environment.js'],
  testTimeout: 60000,
  maxWorkers: 2,
  reporters: ['default', '<rootDir>/test/support/summary-reporter.js'],
};
