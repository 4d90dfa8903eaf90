/**
 * ProcessFleet options that fork workers from the TypeScript sources through a loader, so tests
 * need no dist/ build.
 */

import { fileURLToPath } from 'node:url'

export const TS_WORKER = {
  workerModule: fileURLToPath(new URL('../fleet/worker-main.ts', import.meta.url)),
  execArgv: ['--import', fileURLToPath(new URL('./ts-register.mjs', import.meta.url))],
}
