/** Every capacity scenario, in the order `ciralab bench --help` lists them. */

import { iderThroughput } from './ider-throughput.js'
import { latency } from './latency.js'
import { proxyThroughput } from './proxy-throughput.js'
import { redirectionLimit } from './redirection-limit.js'
import { stability } from './stability.js'
import type { Scenario } from './types.js'

export const SCENARIOS: readonly Scenario[] = [stability, redirectionLimit, latency, iderThroughput, proxyThroughput]
