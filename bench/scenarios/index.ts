/** Every capacity scenario, in the order `ciralab bench --help` lists them. */

import { cluster } from './cluster.js'
import { connectStorm } from './connect-storm.js'
import { iderThroughput } from './ider-throughput.js'
import { latency } from './latency.js'
import { proxyThroughput } from './proxy-throughput.js'
import { quick } from './quick.js'
import { redirectionLimit } from './redirection-limit.js'
import { scale } from './scale.js'
import { stability } from './stability.js'
import type { Scenario } from './types.js'

export const SCENARIOS: readonly Scenario[] = [quick, stability, redirectionLimit, latency, iderThroughput, proxyThroughput, connectStorm, scale, cluster]
