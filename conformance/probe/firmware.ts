/**
 * What CIRA firmware sends to call home (apf.md §2.1), as messages the probe device can send
 * whole, split or coalesced, and the step-by-step handshake most cases start from.
 */

import { createHash } from 'node:crypto'
import { FIRMWARE_FORWARD_ORDER, MessageType as M, ServiceName, TriggerReason, type ApfMessage } from '../../protocol/apf/index.js'
import { Violation } from '../model.js'
import type { Credentials } from '../target.js'
import type { ProbeDevice } from './probe-device.js'

/** How long the suite waits for any single reply from the gateway. */
export const REPLY_TIMEOUT_MS = 5000

export function protocolVersion(uuid: string): ApfMessage {
  return { type: M.PROTOCOLVERSION, majorVersion: 1, minorVersion: 0, triggerReason: TriggerReason.PERIODIC, uuid }
}

export function serviceRequest(serviceName: string): ApfMessage {
  return { type: M.SERVICE_REQUEST, serviceName }
}

export function userauthRequest(credentials: Credentials): ApfMessage {
  return { type: M.USERAUTH_REQUEST, username: credentials.username, serviceName: ServiceName.PFWD, methodName: 'password', password: credentials.password }
}

export function tcpipForward(port: number, address = '', wantReply = true): ApfMessage {
  return { type: M.GLOBAL_REQUEST, wantReply, request: { kind: 'tcpip-forward', address, port } }
}

export function cancelTcpipForward(port: number, address = ''): ApfMessage {
  return { type: M.GLOBAL_REQUEST, wantReply: true, request: { kind: 'cancel-tcpip-forward', address, port } }
}

/** Up to the pfwd service: PROTOCOLVERSION, auth service, USERAUTH, pfwd service. */
export function loginMessages(uuid: string, credentials: Credentials): ApfMessage[] {
  return [protocolVersion(uuid), serviceRequest(ServiceName.AUTH), userauthRequest(credentials), serviceRequest(ServiceName.PFWD)]
}

/** The whole sequence firmware sends, forwards in firmware order. */
export function firmwareSequence(uuid: string, credentials: Credentials, ports: readonly number[] = FIRMWARE_FORWARD_ORDER): ApfMessage[] {
  return [...loginMessages(uuid, credentials), ...ports.map((p) => tcpipForward(p))]
}

/** The replies a conforming gateway sends to `firmwareSequence`, in order. */
export function expectedReplies(ports: readonly number[] = FIRMWARE_FORWARD_ORDER): string[] {
  return ['SERVICE_ACCEPT auth', 'USERAUTH_SUCCESS', 'SERVICE_ACCEPT pfwd', ...ports.map((p) => `REQUEST_SUCCESS ${p}`)]
}

/** Short text of a reply, in the form `expectedReplies` uses. */
export function replyText(m: ApfMessage): string {
  if (m.type === M.SERVICE_ACCEPT) return `SERVICE_ACCEPT ${m.serviceName.split('@')[0] ?? m.serviceName}`
  if (m.type === M.REQUEST_SUCCESS) return m.portBound === null ? 'REQUEST_SUCCESS' : `REQUEST_SUCCESS ${m.portBound}`
  if (m.type === M.USERAUTH_FAILURE) return 'USERAUTH_FAILURE'
  if (m.type === M.DISCONNECT) return `DISCONNECT ${m.reasonCode}`
  return Object.entries(M).find(([, v]) => v === m.type)?.[0] ?? String(m.type)
}

/**
 * Log in step by step as firmware does, each message waiting for its reply, then forward
 * `ports`. Throws a Violation naming the step that went wrong.
 */
export async function handshake(probe: ProbeDevice, uuid: string, credentials: Credentials, ports: readonly number[] = [16992]): Promise<void> {
  await probe.send(protocolVersion(uuid))
  await probe.send(serviceRequest(ServiceName.AUTH))
  const authAccept = await probe.expect(M.SERVICE_ACCEPT, REPLY_TIMEOUT_MS, 'for auth@amt.intel.com')
  if (authAccept.serviceName !== ServiceName.AUTH) throw violationOf(`SERVICE_ACCEPT ${ServiceName.AUTH}`, `SERVICE_ACCEPT ${authAccept.serviceName}`)
  await probe.send(userauthRequest(credentials))
  await probe.expect(M.USERAUTH_SUCCESS, REPLY_TIMEOUT_MS, 'for the target\'s device credentials')
  await probe.send(serviceRequest(ServiceName.PFWD))
  await probe.expect(M.SERVICE_ACCEPT, REPLY_TIMEOUT_MS, 'for pfwd@amt.intel.com')
  for (const port of ports) {
    await probe.send(tcpipForward(port))
    const reply = await probe.expect(M.REQUEST_SUCCESS, REPLY_TIMEOUT_MS, `to tcpip-forward ${port}`)
    if (reply.portBound !== port) throw violationOf(`REQUEST_SUCCESS ${port}`, `REQUEST_SUCCESS ${reply.portBound ?? '(no port)'}`)
  }
}

function violationOf(expected: string, actual: string): Violation {
  return new Violation(expected, actual)
}

/** A stable UUID per (seed, case, n): reruns with the same seed talk about the same devices. */
export function deviceUuid(seed: number, caseId: string, n = 0): string {
  const h = createHash('sha256').update(`${seed}/${caseId}/${n}`).digest('hex')
  // Version 4 / variant bits so it looks like what firmware reports.
  const v = `4${h.slice(13, 16)}`
  const variant = ((Number.parseInt(h.slice(16, 17), 16) & 0x3) | 0x8).toString(16)
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${v}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`
}
