import { defineConfig } from 'vitest/config'

// One root config for every folder's tests. Integration tests open real sockets on 127.0.0.1,
// so files run in forked processes (2 cores here: keep the pool small and the timeouts honest).
export default defineConfig({
  test: {
    include: ['{protocol,gateway,simulator,conformance,bench,reports,cli,pki,consoles,integration}/**/*.test.ts'],
    exclude: ['**/node_modules/**', 'dist/**', '**/*.fuzz.test.ts'],
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 30_000,
    hookTimeout: 30_000,
    reporters: ['default', 'json'],
    outputFile: { json: 'reports/out/test-results.json' },
    coverage: {
      provider: 'v8',
      include: ['protocol/**/*.ts', 'gateway/**/*.ts', 'simulator/**/*.ts', 'conformance/**/*.ts', 'bench/**/*.ts', 'reports/**/*.ts', 'pki/**/*.ts', 'consoles/**/*.ts'],
      exclude: ['**/*.test.ts', '**/test-support/**'],
      reporter: ['text-summary', 'json-summary', 'html'],
      reportsDirectory: 'reports/out/coverage',
    },
  },
})
