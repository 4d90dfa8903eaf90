/**
 * Every conformance case, in the order `--list` prints and the suite runs them. Ids are stable:
 * a case that changes meaning gets a new id; a retired id is never reused.
 */

import type { ConformanceCase } from '../model.js'
import { amtServiceCases } from './amt-services.js'
import { authCases } from './auth.js'
import { channelCases } from './channel.js'
import { connectCases } from './connect.js'
import { consoleCases } from './console.js'
import { forwardCases } from './forward.js'
import { keepaliveCases } from './keepalive.js'
import { malformedCases } from './malformed.js'
import { robustnessCases } from './robustness.js'
import { scaleCases } from './scale.js'
import { sessionCases } from './session.js'
import { tlsCases } from './tls.js'

export const ALL_CASES: readonly ConformanceCase[] = Object.freeze([
  ...tlsCases,
  ...connectCases,
  ...authCases,
  ...malformedCases,
  ...keepaliveCases,
  ...forwardCases,
  ...sessionCases,
  ...channelCases,
  ...consoleCases,
  ...amtServiceCases,
  ...scaleCases,
  ...robustnessCases,
])
