/** What a report needs to say about where it ran. */

import { execFileSync } from 'node:child_process'
import os from 'node:os'

export interface MachineInfo {
  readonly hostname: string
  readonly platform: string
  readonly cpuModel: string
  readonly cpuCount: number
  readonly memoryBytes: number
  readonly nodeVersion: string
  readonly gitCommit: string | null
}

export function describeMachine(): MachineInfo {
  const cpus = os.cpus()
  return {
    hostname: os.hostname(),
    platform: `${os.platform()} ${os.release()} ${os.arch()}`,
    cpuModel: cpus[0]?.model ?? 'unknown',
    cpuCount: cpus.length,
    memoryBytes: os.totalmem(),
    nodeVersion: process.version,
    gitCommit: currentGitCommit(),
  }
}

function currentGitCommit(): string | null {
  try {
    return execFileSync('git', ['rev-parse', 'HEAD'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim()
  } catch {
    return null
  }
}
