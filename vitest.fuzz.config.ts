import { defineConfig } from 'vitest/config'

// `npm run test:fuzz`: only the property tests, each running for its share of
// CIRALAB_FUZZ_SECONDS instead of the fixed count used by `npm test`.
export default defineConfig({
  test: {
    include: ['{protocol,gateway,simulator,conformance}/**/*.prop.test.ts'],
    pool: 'forks',
    maxWorkers: 1,
    testTimeout: 3_600_000,
  },
})
