/** Every capacity scenario, in the order `ciralab bench --help` lists them. */

import { stability } from './stability.js'
import type { Scenario } from './types.js'

export const SCENARIOS: readonly Scenario[] = [stability]
