/** One jest run for everything: Forge code, Lambda handlers, CDK stack, databases and browser tests. */
/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: {
    '^.+\\.tsx?$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.json', isolatedModules: true, diagnostics: false }],
  },
  moduleFileExtensions: ['ts', 'tsx', 'js', 'json'],
  testTimeout: 60000,
  // Database tests create uniquely named databases, browser tests start their own server on port 0,
  // so files can run in parallel; two workers match the two cores of CI's machine.
  maxWorkers: 2,
};
