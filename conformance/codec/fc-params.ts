/**
 * fast-check parameters shared by every property test. `npm test` runs a fixed, fast number of
 * cases; `npm run test:fuzz` sets CIRALAB_FUZZ_SECONDS and every property then runs until its
 * share of that budget is spent. CIRALAB_SEED replays a reported failure.
 */

import type fc from 'fast-check'

// The properties of one fuzz file share the budget; a file declares how many it holds.
export function propertyParams<T>(defaultRuns: number, propertiesInFile = 1): fc.Parameters<T> {
  const seedText = process.env['CIRALAB_SEED']
  const seed = seedText === undefined ? {} : { seed: Number(seedText) }
  const fuzzSeconds = Number(process.env['CIRALAB_FUZZ_SECONDS'] ?? '0')
  if (fuzzSeconds > 0) {
    return { ...seed, numRuns: 1_000_000_000, interruptAfterTimeLimit: Math.floor((fuzzSeconds * 1000) / propertiesInFile) }
  }
  return { ...seed, numRuns: defaultRuns }
}

/** Test timeout that fits a property's fuzz budget. */
export function propertyTimeout(propertiesInFile = 1): number {
  const fuzzSeconds = Number(process.env['CIRALAB_FUZZ_SECONDS'] ?? '0')
  return fuzzSeconds > 0 ? (fuzzSeconds * 1000) / propertiesInFile + 30_000 : 30_000
}
