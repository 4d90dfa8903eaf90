/**
 * MeshCentral as a second real target: its CIRA server (mpsserver.js) from the `meshcentral`
 * npm package, installed under .data/peers/meshcentral (git ignores .data/), configured for
 * loopback only, with what it needs to accept CIRA devices:
 *
 * - an administrator account (`--createaccount`, `--adminaccount`, run while it is stopped);
 * - an agent-less Intel AMT device group (mtype 1), created with its own MeshCtrl over its
 *   HTTPS port. mpsserver.js accepts a CIRA login whose username is the first 16 characters of
 *   the group id after `mesh//` (`@` and `$` written as `X`, which AMT cannot store), and whose
 *   password is `settings.mpsPass`; the device (by UUID) is then added to the group on first
 *   connect;
 * - WANonly so it runs no LAN scanners, no agent time-stamp server, no self update.
 *
 * `start` runs it detached with a pid file so `stop` ends exactly that process.
 */

import { spawn, spawnSync } from 'node:child_process'
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { connect } from 'node:net'
import { join } from 'node:path'
import { CiralabError, ErrorCode } from '../../protocol/errors.js'
import { sleep } from '../probe/probe-device.js'
import { repositoryRoot } from '../reference.js'

export const MESHCENTRAL_VERSION = '1.1.55'
/** Below the ephemeral range (32768-60999 here): a fixed port up there can be taken by any outgoing connection of the run. */
export const MESHCENTRAL_PORTS = Object.freeze({ web: 24380, mps: 24330 })
const ADMIN = Object.freeze({ user: 'ciralab', password: 'Adm1n!Pass-ciralab', email: 'admin@ciralab.test' })
const CIRA_PASSWORD = 'Cira!Pass1'
const GROUP_NAME = 'ciralab-cira'
const SERVER_NAME = 'mesh.ciralab.test'

export interface PeerLog {
  (line: string): void
}

export function meshCentralDir(): string {
  return join(repositoryRoot(), '.data', 'peers', 'meshcentral')
}

function paths(dir: string) {
  return {
    main: join(dir, 'node_modules', 'meshcentral', 'meshcentral.js'),
    ctrl: join(dir, 'node_modules', 'meshcentral', 'meshctrl.js'),
    pkg: join(dir, 'node_modules', 'meshcentral', 'package.json'),
    data: join(dir, 'meshcentral-data'),
    pid: join(dir, 'meshcentral.pid'),
    log: join(dir, 'meshcentral.log'),
    admin: join(dir, 'admin-created'),
    credentials: join(dir, 'cira-credentials.json'),
  }
}

export function meshCentralConfig(): object {
  return {
    settings: {
      cert: SERVER_NAME,
      WANonly: true,
      port: MESHCENTRAL_PORTS.web,
      portBind: '127.0.0.1',
      aliasPort: MESHCENTRAL_PORTS.web,
      redirPort: 0,
      mpsPort: MESHCENTRAL_PORTS.mps,
      mpsPortBind: '127.0.0.1',
      mpsPass: CIRA_PASSWORD,
      selfUpdate: false,
      exactPorts: true,
      noAgentUpdate: true,
      amtScanner: false,
      meshScanner: false,
      agentTimeStampServer: false,
    },
    domains: { '': { title: 'ciralab peer', newAccounts: false } },
  }
}

/** Install the pinned package (npm registry only) and write the configuration. */
export function installMeshCentral(dir: string, log: PeerLog): void {
  const p = paths(dir)
  mkdirSync(p.data, { recursive: true })
  const installed = existsSync(p.pkg) ? (JSON.parse(readFileSync(p.pkg, 'utf8')) as { version?: string }).version : undefined
  if (installed !== MESHCENTRAL_VERSION) {
    log(`installing meshcentral@${MESHCENTRAL_VERSION} into ${dir} (npm)`)
    writeFileSync(join(dir, 'package.json'), `${JSON.stringify({ name: 'ciralab-peer-meshcentral', private: true }, null, 2)}\n`)
    const r = spawnSync('npm', ['install', '--no-audit', '--no-fund', '--save-exact', `meshcentral@${MESHCENTRAL_VERSION}`], { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' })
    if (r.status !== 0) throw new CiralabError(ErrorCode.CFG_ERR_INVALID, `npm install meshcentral@${MESHCENTRAL_VERSION} failed: ${(r.stderr ?? '').slice(-1000)}`)
  }
  writeFileSync(join(p.data, 'config.json'), `${JSON.stringify(meshCentralConfig(), null, 2)}\n`)
}

function runMeshCentral(dir: string, args: readonly string[]): string {
  const r = spawnSync(process.execPath, [paths(dir).main, ...args], { cwd: dir, encoding: 'utf8', timeout: 120_000 })
  return `${r.stdout ?? ''}${r.stderr ?? ''}`
}

/** The administrator account; MeshCentral only writes it while the server is stopped. */
function ensureAdmin(dir: string, log: PeerLog): void {
  const p = paths(dir)
  if (existsSync(p.admin)) return
  log('creating the MeshCentral administrator account')
  runMeshCentral(dir, ['--createaccount', ADMIN.user, '--pass', ADMIN.password, '--email', ADMIN.email])
  const out = runMeshCentral(dir, ['--adminaccount', ADMIN.user])
  if (!/Done/.test(out)) throw new CiralabError(ErrorCode.CFG_ERR_INVALID, `meshcentral --adminaccount failed: ${out.slice(-500)}`)
  writeFileSync(p.admin, `${new Date().toISOString()}\n`)
}

export function portOpen(port: number): Promise<boolean> {
  return new Promise((resolveOpen) => {
    const s = connect({ host: '127.0.0.1', port })
    s.once('connect', () => {
      s.destroy()
      resolveOpen(true)
    })
    s.once('error', () => resolveOpen(false))
  })
}

function runningPid(dir: string): number | null {
  const file = paths(dir).pid
  if (!existsSync(file)) return null
  const pid = Number(readFileSync(file, 'utf8').trim())
  if (!Number.isInteger(pid) || pid <= 0) return null
  try {
    process.kill(pid, 0)
    return pid
  } catch {
    return null
  }
}

/** Create the CIRA device group with MeshCtrl and write the CIRA credentials it implies. */
function ensureGroup(dir: string, log: PeerLog): void {
  const p = paths(dir)
  if (existsSync(p.credentials)) return
  const login = ['--url', `wss://127.0.0.1:${MESHCENTRAL_PORTS.web}`, '--loginuser', ADMIN.user, '--loginpass', ADMIN.password]
  const ctrl = (args: string[]) => spawnSync(process.execPath, [p.ctrl, ...args, ...login], { cwd: dir, encoding: 'utf8', timeout: 60_000 })
  const list = () => {
    const r = ctrl(['ListDeviceGroups', '--json'])
    try {
      return JSON.parse(r.stdout) as Array<{ _id: string; name: string; mtype: number }>
    } catch {
      throw new CiralabError(ErrorCode.CFG_ERR_INVALID, `meshctrl ListDeviceGroups failed: ${(r.stdout + r.stderr).slice(-500)}`)
    }
  }
  let group = list().find((g) => g.name === GROUP_NAME && g.mtype === 1)
  if (group === undefined) {
    log(`creating the Intel AMT device group "${GROUP_NAME}" with meshctrl`)
    ctrl(['AddDeviceGroup', '--name', GROUP_NAME, '--amtonly'])
    group = list().find((g) => g.name === GROUP_NAME && g.mtype === 1)
  }
  if (group === undefined) throw new CiralabError(ErrorCode.CFG_ERR_INVALID, 'meshctrl did not create the CIRA device group')
  writeFileSync(p.credentials, `${JSON.stringify({ username: ciraUsernameOf(group._id), password: CIRA_PASSWORD, group: group._id }, null, 2)}\n`)
}

/** mpsserver.js matches `'/' + username` (with @ and $ as X) inside the group id. */
export function ciraUsernameOf(meshId: string): string {
  const id = meshId.replace(/^mesh\/[^/]*\//, '')
  return id.slice(0, 16).replace(/[@$]/g, 'X')
}

export interface PeerHandle {
  /** True when this call started it (and `stop` should end it). */
  readonly started: boolean
  stop(): Promise<void>
}

/** Install, configure and start MeshCentral unless it already runs; ready for CIRA devices on return. */
export async function startMeshCentral(log: PeerLog, dir = meshCentralDir()): Promise<PeerHandle> {
  const p = paths(dir)
  if (runningPid(dir) !== null && (await portOpen(MESHCENTRAL_PORTS.mps))) {
    ensureGroup(dir, log)
    return { started: false, stop: async () => undefined }
  }
  if ((await portOpen(MESHCENTRAL_PORTS.mps)) || (await portOpen(MESHCENTRAL_PORTS.web))) {
    throw new CiralabError(ErrorCode.CFG_ERR_INVALID, `ports ${MESHCENTRAL_PORTS.mps}/${MESHCENTRAL_PORTS.web} are taken by another program`)
  }
  installMeshCentral(dir, log)
  ensureAdmin(dir, log)
  log(`starting MeshCentral on 127.0.0.1:${MESHCENTRAL_PORTS.mps} (CIRA) and :${MESHCENTRAL_PORTS.web} (HTTPS); log ${p.log}`)
  const logFd = openSync(p.log, 'a')
  const child = spawn(process.execPath, [p.main], { cwd: dir, detached: true, stdio: ['ignore', logFd, logFd] })
  closeSync(logFd)
  child.unref()
  writeFileSync(p.pid, `${child.pid ?? ''}\n`)
  const deadline = performance.now() + 180_000
  while (!((await portOpen(MESHCENTRAL_PORTS.mps)) && (await portOpen(MESHCENTRAL_PORTS.web)))) {
    if (runningPid(dir) === null) throw new CiralabError(ErrorCode.CFG_ERR_INVALID, `MeshCentral exited while starting; see ${p.log}`)
    if (performance.now() > deadline) {
      await stopMeshCentral(log, dir)
      throw new CiralabError(ErrorCode.CFG_ERR_INVALID, `MeshCentral did not listen within 180 s; see ${p.log}`)
    }
    await sleep(250)
  }
  ensureGroup(dir, log)
  return { started: true, stop: () => stopMeshCentral(log, dir) }
}

/** Stop the MeshCentral this folder's pid file names (and only that process). */
export async function stopMeshCentral(log: PeerLog, dir = meshCentralDir()): Promise<void> {
  const pid = runningPid(dir)
  if (pid === null) return
  log(`stopping MeshCentral (pid ${pid})`)
  process.kill(pid, 'SIGTERM')
  const deadline = performance.now() + 10_000
  while (runningPid(dir) !== null) {
    if (performance.now() > deadline) {
      process.kill(pid, 'SIGKILL')
      break
    }
    await sleep(100)
  }
  rmSync(paths(dir).pid, { force: true })
}
