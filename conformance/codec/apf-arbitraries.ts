/**
 * fast-check arbitraries for every APF message type. Used by the codec properties and by the
 * conformance robustness cases (random and mutated messages sent to a gateway).
 */

import fc from 'fast-check'
import { MAX_PORT_BOUND, MessageType as M, type ApfMessage, type GlobalRequest } from '../../protocol/apf/index.js'

export const u32 = fc.oneof(fc.integer({ min: 0, max: 0xffff }), fc.integer({ min: 0, max: 0xffffffff }), fc.constantFrom(0, 1, 0x7fffffff, 0xffffffff))
const port = fc.oneof(fc.constantFrom(16992, 16993, 16994, 16995, 623, 664, 5900), fc.integer({ min: 0, max: 65535 }))
/** Strings as firmware sends them (ASCII) and as a hostile peer might (any valid Unicode). */
export const apfString = fc.oneof(fc.string({ maxLength: 24 }), fc.string({ unit: 'grapheme', maxLength: 12 }))
const bytes = (maxLength: number) => fc.uint8Array({ maxLength }).map((a) => Buffer.from(a))

const KNOWN_REQUEST_NAMES = new Set(['tcpip-forward', 'cancel-tcpip-forward', 'udp-send-to@amt.intel.com'])

const framedGlobalRequest: fc.Arbitrary<GlobalRequest> = fc.oneof(
  fc.record({ kind: fc.constant('tcpip-forward' as const), address: apfString, port }),
  fc.record({ kind: fc.constant('cancel-tcpip-forward' as const), address: apfString, port }),
  fc.record({
    kind: fc.constant('udp-send-to' as const),
    address: apfString,
    port,
    originatorAddress: apfString,
    originatorPort: port,
    data: bytes(64),
  }),
)

const otherGlobalRequest: fc.Arbitrary<GlobalRequest> = fc.record({
  kind: fc.constant('other' as const),
  requestName: apfString.filter((name) => !KNOWN_REQUEST_NAMES.has(name)),
  payload: bytes(32),
})

const userauthRequest = fc
  .tuple(apfString, apfString, fc.oneof(fc.constant('password'), fc.constant('none'), apfString), apfString)
  .map(([username, serviceName, methodName, password]) => ({
    type: M.USERAUTH_REQUEST,
    username,
    serviceName,
    methodName,
    password: methodName === 'password' ? password : null,
  }))

/** Every message type whose length is known from its bytes (all but an unknown global request). */
export const framedApfMessage: fc.Arbitrary<ApfMessage> = fc.oneof(
  fc.record({ type: fc.constant(M.DISCONNECT), reasonCode: u32 }),
  fc.record({ type: fc.constant(M.SERVICE_REQUEST), serviceName: apfString }),
  fc.record({ type: fc.constant(M.SERVICE_ACCEPT), serviceName: apfString }),
  userauthRequest,
  fc.record({ type: fc.constant(M.USERAUTH_FAILURE), methods: apfString, partialSuccess: fc.boolean() }),
  fc.constant({ type: M.USERAUTH_SUCCESS }),
  fc.record({ type: fc.constant(M.GLOBAL_REQUEST), wantReply: fc.boolean(), request: framedGlobalRequest }),
  fc.record({ type: fc.constant(M.REQUEST_SUCCESS), portBound: fc.option(fc.integer({ min: 0, max: MAX_PORT_BOUND }), { nil: null }) }),
  fc.constant({ type: M.REQUEST_FAILURE }),
  fc.record({
    type: fc.constant(M.CHANNEL_OPEN),
    channelType: fc.oneof(fc.constantFrom('forwarded-tcpip', 'direct-tcpip'), apfString),
    senderChannel: u32,
    initialWindowSize: u32,
    reserved: u32,
    connectedAddress: apfString,
    connectedPort: u32,
    originatorAddress: apfString,
    originatorPort: u32,
  }),
  fc.record({ type: fc.constant(M.CHANNEL_OPEN_CONFIRMATION), recipientChannel: u32, senderChannel: u32, initialWindowSize: u32, reserved: u32 }),
  fc.record({ type: fc.constant(M.CHANNEL_OPEN_FAILURE), recipientChannel: u32, reasonCode: u32 }),
  fc.record({ type: fc.constant(M.CHANNEL_WINDOW_ADJUST), recipientChannel: u32, bytesToAdd: u32 }),
  fc.record({ type: fc.constant(M.CHANNEL_DATA), recipientChannel: u32, data: bytes(512) }),
  fc.record({ type: fc.constant(M.CHANNEL_CLOSE), recipientChannel: u32 }),
  fc.record({ type: fc.constant(M.PROTOCOLVERSION), majorVersion: u32, minorVersion: u32, triggerReason: u32, uuid: fc.uuid() }),
  fc.record({ type: fc.constant(M.KEEPALIVE_REQUEST), cookie: u32 }),
  fc.record({ type: fc.constant(M.KEEPALIVE_REPLY), cookie: u32 }),
  fc.record({ type: fc.constant(M.KEEPALIVE_OPTIONS_REQUEST), intervalSeconds: u32, timeoutSeconds: u32 }),
  fc.record({ type: fc.constant(M.KEEPALIVE_OPTIONS_REPLY), intervalSeconds: u32, timeoutSeconds: u32 }),
) as fc.Arbitrary<ApfMessage>

/** Every message, including unknown global requests (whose payload runs to the end of the read). */
export const anyApfMessage: fc.Arbitrary<ApfMessage> = fc.oneof(
  { arbitrary: framedApfMessage, weight: 20 },
  { arbitrary: fc.record({ type: fc.constant(M.GLOBAL_REQUEST), wantReply: fc.boolean(), request: otherGlobalRequest }), weight: 1 },
) as fc.Arbitrary<ApfMessage>

export { splitAt, splitPoints } from './chunking.js'
