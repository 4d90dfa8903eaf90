/**
 * Building the cluster part of one gateway process, for the composition root (main.ts): which
 * role this process has (alone, the primary of `--processes N`, or one of its workers), and the
 * GatewayCluster with the right store (Redis when configured, else the primary over IPC).
 */

import cluster from 'node:cluster'
import { randomBytes } from 'node:crypto'
import { CiralabError, ErrorCode } from '../../protocol/errors.js'
import type { GatewayConfig } from '../config.js'
import { GatewayCluster } from './gateway-cluster.js'
import type { IpcPort } from './ipc-store.js'
import { IpcStore } from './ipc-store.js'
import { RedisStore } from './redis-store.js'
import { internalAddressFor, isClustered, resolveInstanceId } from './settings.js'

/** Set by the supervisor for each worker: its index, 0..N-1 (instance id and internal port). */
export const PROCESS_INDEX_ENV = 'CIRALAB_PROCESS_INDEX'
/** Set by the supervisor of `--processes N` without Redis or a secret file: one random secret for its workers. */
export const CLUSTER_SECRET_ENV = 'CIRALAB_CLUSTER_SECRET'
/** A shorter secret is too easy to guess offline from one captured hop frame. */
export const MIN_SECRET_CHARACTERS = 32

export type ProcessRole = 'single' | 'primary' | 'worker'

export function processRole(config: GatewayConfig): ProcessRole {
  if (config.cluster.processes <= 1) return 'single'
  return cluster.isPrimary ? 'primary' : 'worker'
}

export interface ClusterSetupContext {
  readonly env: Readonly<Record<string, string | undefined>>
  readonly hostname: string
  readonly pid: number
  /** The channel to the primary (a worker's `process`); null outside `--processes`. */
  readonly ipc: IpcPort | null
  readonly readFile: (path: string) => string
}

/**
 * The secret hops are sealed with: the configured file's text (trimmed), else the one the
 * supervisor handed its workers, else none. A missing or short file stops the start.
 */
export function loadClusterSecret(config: GatewayConfig, ctx: Pick<ClusterSetupContext, 'env' | 'readFile'>): Buffer | null {
  const file = config.cluster.secretFile
  if (file === null) {
    const handed = ctx.env[CLUSTER_SECRET_ENV]
    return handed === undefined || handed === '' ? null : Buffer.from(handed, 'utf8')
  }
  let text: string
  try {
    text = ctx.readFile(file).trim()
  } catch (error) {
    throw new CiralabError(ErrorCode.CLUSTER_ERR_SECRET, `cluster secret file ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`)
  }
  if (text.length < MIN_SECRET_CHARACTERS) {
    throw new CiralabError(ErrorCode.CLUSTER_ERR_SECRET, `cluster secret file ${file} holds ${text.length} characters; it needs at least ${MIN_SECRET_CHARACTERS} (openssl rand -hex 32 > ${file})`)
  }
  return Buffer.from(text, 'utf8')
}

/** What the supervisor puts in its workers' environment: a fresh secret when nothing else would seal their hops. */
export function workerSecretEnv(config: GatewayConfig): Record<string, string> {
  if (config.cluster.secretFile !== null || config.cluster.redis !== null) return {}
  return { [CLUSTER_SECRET_ENV]: randomBytes(32).toString('hex') }
}

/** The GatewayCluster for this process, or null when it runs alone with in-memory presence. */
export function createGatewayCluster(config: GatewayConfig, ctx: ClusterSetupContext): GatewayCluster | null {
  const settings = config.cluster
  if (!isClustered(settings)) return null
  const indexText = ctx.env[PROCESS_INDEX_ENV]
  const index = indexText === undefined || !/^\d{1,2}$/.test(indexText) ? null : Number(indexText)
  const instanceId = resolveInstanceId(settings, ctx.hostname, ctx.pid, index)
  let gatewayCluster: GatewayCluster | null = null
  let store
  if (settings.redis !== null) {
    store = new RedisStore({ url: settings.redis, name: `ciralab-${instanceId}`, onError: (error) => gatewayCluster?.reportStoreError(error) })
  } else if (ctx.ipc !== null) {
    store = new IpcStore(ctx.ipc)
  } else {
    return null
  }
  gatewayCluster = new GatewayCluster({
    instanceId,
    bootId: randomBytes(4).toString('hex'),
    internalListen: internalAddressFor(settings, index),
    store,
    ttlMs: settings.presenceTtlMs,
    secret: loadClusterSecret(config, ctx),
  })
  return gatewayCluster
}

/** A worker's channel to its primary. */
export function workerIpcPort(): IpcPort | null {
  if (!cluster.isWorker || typeof process.send !== 'function') return null
  return {
    send: (message) => process.send?.(message),
    on: (event, listener) => process.on(event, listener),
    off: (event, listener) => process.off(event, listener),
  }
}

/** A worker whose gateway stopped: close the channel to the primary so the process can end. */
export function leavePrimary(): void {
  if (cluster.isWorker) cluster.worker?.disconnect()
}
