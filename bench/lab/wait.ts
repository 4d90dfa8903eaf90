/**
 * Waiting in scenarios: every wait is bounded in time and ends early when the run is stopped
 * (Ctrl-C), so a stopped run still reaches the code that writes its report.
 */

import { CiralabError, ErrorCode } from '../../protocol/errors.js'

/** Resolves after `ms`, or at once when `signal` aborts (never rejects). */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted === true) return resolve()
    const done = () => {
      clearTimeout(timer)
      signal?.removeEventListener('abort', done)
      resolve()
    }
    const timer = setTimeout(done, Math.max(0, ms))
    signal?.addEventListener('abort', done, { once: true })
  })
}

export type WaitOutcome = 'met' | 'timeout' | 'stopped'

/** Polls `check` every `pollMs` until it holds, `timeoutMs` passes, or the run is stopped. */
export async function waitUntil(check: () => boolean, timeoutMs: number, signal?: AbortSignal, pollMs = 50): Promise<WaitOutcome> {
  const deadline = performance.now() + timeoutMs
  for (;;) {
    if (check()) return 'met'
    if (signal?.aborted === true) return 'stopped'
    if (performance.now() >= deadline) return 'timeout'
    await sleep(Math.min(pollMs, deadline - performance.now()), signal)
  }
}

/** A scenario that cannot go on (devices never connected, a target without a console proxy). */
export class ScenarioError extends CiralabError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(ErrorCode.BENCH_ERR_SCENARIO, message, options)
    this.name = 'ScenarioError'
  }
}

export class TargetUnsuitableError extends CiralabError {
  constructor(message: string) {
    super(ErrorCode.BENCH_ERR_TARGET, message)
    this.name = 'TargetUnsuitableError'
  }
}

/**
 * Runs `work` over `items` with at most `concurrency` in flight; results in item order. Stops
 * taking new items once `signal` aborts (those get `undefined`).
 */
export async function mapLimited<T, R>(items: readonly T[], concurrency: number, work: (item: T, index: number) => Promise<R>, signal?: AbortSignal): Promise<(R | undefined)[]> {
  const results: (R | undefined)[] = new Array<R | undefined>(items.length).fill(undefined)
  let next = 0
  const lane = async (): Promise<void> => {
    while (next < items.length && signal?.aborted !== true) {
      const i = next++
      results[i] = await work(items[i] as T, i)
    }
  }
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, items.length)) }, () => lane()))
  return results
}
