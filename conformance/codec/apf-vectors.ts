/**
 * APF byte vectors: every hex string of shared/protocol/apf.md §5 with its decoded value, plus
 * our own for every message type and every decode error code. Each valid vector is run three
 * ways (decode, encode, round trip) by apf.vectors.test.ts; conformance cases reuse them.
 */

import { MessageType as M, type ApfLimits, type ApfMessage, type EncodeOptions } from '../../protocol/apf/index.js'
import { ErrorCode, type ApfDecodeErrorCode } from '../../protocol/errors.js'

export interface ApfVector {
  readonly name: string
  /** Where the bytes come from: a section of apf.md, or "ciralab" for our own. */
  readonly source: string
  readonly hex: string
  readonly message: ApfMessage
  /** Options that make the encoder produce exactly `hex` (e.g. the MPS 2-byte trailer). */
  readonly encodeOptions?: EncodeOptions
  /** The vector is a valid decode but not what our encoder writes for `message`. */
  readonly decodeOnly?: boolean
}

const ZEROS_64 = '00'.repeat(64)
const AUTH = '000000126175746840616d742e696e74656c2e636f6d'
const PFWD = '000000127066776440616d742e696e74656c2e636f6d'

export const APF_VECTORS: readonly ApfVector[] = [
  // apf.md §5.3 (derived from the §1 layouts)
  {
    name: 'PROTOCOLVERSION 1.0, trigger periodic',
    source: 'apf.md §5.3',
    hex: `c0000000010000000000000004${'44454c4c4b0010428033b6c04f504633'}${ZEROS_64}`,
    message: { type: M.PROTOCOLVERSION, majorVersion: 1, minorVersion: 0, triggerReason: 4, uuid: '4c4c4544-004b-4210-8033-b6c04f504633' },
  },
  { name: 'SERVICE_REQUEST auth', source: 'apf.md §5.3', hex: `05${AUTH}`, message: { type: M.SERVICE_REQUEST, serviceName: 'auth@amt.intel.com' } },
  { name: 'SERVICE_REQUEST pfwd', source: 'apf.md §5.3', hex: `05${PFWD}`, message: { type: M.SERVICE_REQUEST, serviceName: 'pfwd@amt.intel.com' } },
  { name: 'SERVICE_ACCEPT auth', source: 'apf.md §5.3', hex: `06${AUTH}`, message: { type: M.SERVICE_ACCEPT, serviceName: 'auth@amt.intel.com' } },
  { name: 'SERVICE_ACCEPT pfwd', source: 'apf.md §5.1 (GoAPF)', hex: `06${PFWD}`, message: { type: M.SERVICE_ACCEPT, serviceName: 'pfwd@amt.intel.com' } },
  {
    name: 'USERAUTH_REQUEST password',
    source: 'apf.md §5.3',
    hex: '320000000561646d696e000000127066776440616d742e696e74656c2e636f6d0000000870617373776f726400000000085040737377307264',
    message: { type: M.USERAUTH_REQUEST, username: 'admin', serviceName: 'pfwd@amt.intel.com', methodName: 'password', password: 'P@ssw0rd' },
  },
  { name: 'USERAUTH_SUCCESS', source: 'apf.md §5.3', hex: '34', message: { type: M.USERAUTH_SUCCESS } },
  {
    name: 'USERAUTH_FAILURE, MPS 2-byte trailer',
    source: 'apf.md §5.3',
    hex: '330000000870617373776f72640000',
    message: { type: M.USERAUTH_FAILURE, methods: 'password', partialSuccess: false },
    encodeOptions: { twoByteTrailer: true },
  },
  {
    name: 'USERAUTH_FAILURE, 1-byte trailer',
    source: 'apf.md §5.3',
    hex: '330000000870617373776f726400',
    message: { type: M.USERAUTH_FAILURE, methods: 'password', partialSuccess: false },
  },
  {
    name: 'GLOBAL_REQUEST tcpip-forward "" 16992',
    source: 'apf.md §5.3',
    hex: '500000000d74637069702d666f7277617264010000000000004260',
    message: { type: M.GLOBAL_REQUEST, wantReply: true, request: { kind: 'tcpip-forward', address: '', port: 16992 } },
  },
  {
    name: 'GLOBAL_REQUEST tcpip-forward myhost 16993',
    source: 'apf.md §5.3',
    hex: '500000000d74637069702d666f727761726401000000066d79686f737400004261',
    message: { type: M.GLOBAL_REQUEST, wantReply: true, request: { kind: 'tcpip-forward', address: 'myhost', port: 16993 } },
  },
  {
    name: 'GLOBAL_REQUEST cancel-tcpip-forward "" 16992',
    source: 'apf.md §5.3',
    hex: '500000001463616e63656c2d74637069702d666f7277617264010000000000004260',
    message: { type: M.GLOBAL_REQUEST, wantReply: true, request: { kind: 'cancel-tcpip-forward', address: '', port: 16992 } },
  },
  { name: 'REQUEST_SUCCESS 16992', source: 'apf.md §5.3', hex: '5100004260', message: { type: M.REQUEST_SUCCESS, portBound: 16992 } },
  { name: 'REQUEST_SUCCESS 5900', source: 'apf.md §5.3', hex: '510000170c', message: { type: M.REQUEST_SUCCESS, portBound: 5900 } },
  { name: 'REQUEST_FAILURE', source: 'apf.md §5.3', hex: '52', message: { type: M.REQUEST_FAILURE } },
  {
    name: 'KEEPALIVE_OPTIONS_REQUEST 30,0 (MPS)',
    source: 'apf.md §5.3',
    hex: 'd20000001e00000000',
    message: { type: M.KEEPALIVE_OPTIONS_REQUEST, intervalSeconds: 30, timeoutSeconds: 0 },
  },
  {
    name: 'KEEPALIVE_OPTIONS_REQUEST 30,90 (Console)',
    source: 'apf.md §5.3',
    hex: 'd20000001e0000005a',
    message: { type: M.KEEPALIVE_OPTIONS_REQUEST, intervalSeconds: 30, timeoutSeconds: 90 },
  },
  { name: 'KEEPALIVE_REQUEST 0x42', source: 'apf.md §5.1 (GoAPF)', hex: 'd000000042', message: { type: M.KEEPALIVE_REQUEST, cookie: 0x42 } },
  { name: 'KEEPALIVE_REPLY 0x42', source: 'apf.md §5.3', hex: 'd100000042', message: { type: M.KEEPALIVE_REPLY, cookie: 0x42 } },
  {
    name: 'KEEPALIVE_OPTIONS_REPLY 30,10',
    source: 'apf.md §5.1 (GoAPF)',
    hex: 'd30000001e0000000a',
    message: { type: M.KEEPALIVE_OPTIONS_REPLY, intervalSeconds: 30, timeoutSeconds: 10 },
  },
  {
    name: 'CHANNEL_OPEN as MPS sends it',
    source: 'apf.md §5.3',
    hex: '5a0000000f666f727761726465642d74637069700000000400014000ffffffff000000000000426000000007312e322e332e3400000400',
    message: {
      type: M.CHANNEL_OPEN,
      channelType: 'forwarded-tcpip',
      senderChannel: 4,
      initialWindowSize: 81920,
      reserved: 0xffffffff,
      connectedAddress: '',
      connectedPort: 16992,
      originatorAddress: '1.2.3.4',
      originatorPort: 1024,
    },
  },
  {
    name: 'CHANNEL_OPEN_CONFIRMATION recipient 4, window 32768',
    source: 'apf.md §5.3',
    hex: '5b000000040000000000008000ffffffff',
    message: { type: M.CHANNEL_OPEN_CONFIRMATION, recipientChannel: 4, senderChannel: 0, initialWindowSize: 32768, reserved: 0xffffffff },
  },
  {
    name: 'CHANNEL_OPEN_FAILURE recipient 7, unknown channel type',
    source: 'apf.md §5.3',
    hex: '5c00000007000000030000000000000000',
    message: { type: M.CHANNEL_OPEN_FAILURE, recipientChannel: 7, reasonCode: 3 },
  },
  {
    name: 'CHANNEL_WINDOW_ADJUST 0 +40961',
    source: 'apf.md §5.3',
    hex: '5d000000000000a001',
    message: { type: M.CHANNEL_WINDOW_ADJUST, recipientChannel: 0, bytesToAdd: 40961 },
  },
  {
    name: 'CHANNEL_DATA 0 "ABC"',
    source: 'apf.md §5.3',
    hex: '5e0000000000000003414243',
    message: { type: M.CHANNEL_DATA, recipientChannel: 0, data: Buffer.from('ABC') },
  },
  {
    name: 'CHANNEL_DATA 1, one byte',
    source: 'apf.md §5.1 (GoAPF)',
    hex: '5e0000000100000001ab',
    message: { type: M.CHANNEL_DATA, recipientChannel: 1, data: Buffer.from([0xab]) },
  },
  { name: 'CHANNEL_CLOSE 0', source: 'apf.md §5.3', hex: '6100000000', message: { type: M.CHANNEL_CLOSE, recipientChannel: 0 } },
  { name: 'DISCONNECT BY_APPLICATION', source: 'apf.md §5.3', hex: '010000000b0000', message: { type: M.DISCONNECT, reasonCode: 11 } },
  // apf.md §5.1 and §5.2: bytes from repositories' tests and firmware traces
  {
    name: 'GLOBAL_REQUEST tcpip-forward, want-reply 0, 3-byte address',
    source: 'apf.md §5.1 (GoAPF processor_test.go, first byte set to 0x50)',
    hex: '500000000d74637069702d666f72776172640000000003000000000042' + '60',
    message: { type: M.GLOBAL_REQUEST, wantReply: false, request: { kind: 'tcpip-forward', address: '\u0000\u0000\u0000', port: 16992 } },
  },
  {
    name: 'PROTOCOLVERSION from LME firmware, trigger 254',
    source: 'apf.md §5.2 (rpc-go#929)',
    hex: `c00000000100000000000000fe${'44454c4c4d00104d8050b2c04f325133'}${ZEROS_64}`,
    message: { type: M.PROTOCOLVERSION, majorVersion: 1, minorVersion: 0, triggerReason: 254, uuid: '4c4c4544-004d-4d10-8050-b2c04f325133' },
  },
  // ciralab: the remaining layouts
  {
    name: 'USERAUTH_REQUEST method none',
    source: 'ciralab',
    hex: '3200000004757365720000001270667764' + '40616d742e696e74656c2e636f6d' + '000000046e6f6e65',
    message: { type: M.USERAUTH_REQUEST, username: 'user', serviceName: 'pfwd@amt.intel.com', methodName: 'none', password: null },
  },
  {
    name: 'USERAUTH_FAILURE partial success',
    source: 'ciralab',
    hex: '330000000870617373776f726401',
    message: { type: M.USERAUTH_FAILURE, methods: 'password', partialSuccess: true },
  },
  {
    name: 'GLOBAL_REQUEST udp-send-to',
    source: 'ciralab (layout from LMS LMEConnection.cpp)',
    hex:
      '5000000019' +
      Buffer.from('udp-send-to@amt.intel.com').toString('hex') +
      '01' +
      '000000093132372e302e302e31' +
      '000000a2' +
      '000000093132372e302e302e32' +
      '00000400' +
      '00000003010203',
    message: {
      type: M.GLOBAL_REQUEST,
      wantReply: true,
      request: {
        kind: 'udp-send-to',
        address: '127.0.0.1',
        port: 162,
        originatorAddress: '127.0.0.2',
        originatorPort: 1024,
        data: Buffer.from([1, 2, 3]),
      },
    },
  },
  {
    name: 'GLOBAL_REQUEST with an unknown name',
    source: 'ciralab',
    hex: '5000000007' + Buffer.from('x-probe').toString('hex') + '00' + 'cafe',
    message: { type: M.GLOBAL_REQUEST, wantReply: false, request: { kind: 'other', requestName: 'x-probe', payload: Buffer.from([0xca, 0xfe]) } },
  },
  { name: 'REQUEST_SUCCESS for a cancel', source: 'apf.md §5.3', hex: '51', message: { type: M.REQUEST_SUCCESS, portBound: null } },
  {
    name: 'CHANNEL_OPEN direct-tcpip from a device',
    source: 'ciralab',
    hex:
      '5a0000000c' +
      Buffer.from('direct-tcpip').toString('hex') +
      '00000000' +
      '00001000' +
      'ffffffff' +
      '000000093132372e302e302e31' +
      '000000a2' +
      '00000000' +
      '00000000',
    message: {
      type: M.CHANNEL_OPEN,
      channelType: 'direct-tcpip',
      senderChannel: 0,
      initialWindowSize: 4096,
      reserved: 0xffffffff,
      connectedAddress: '127.0.0.1',
      connectedPort: 162,
      originatorAddress: '',
      originatorPort: 0,
    },
  },
  {
    name: 'CHANNEL_DATA empty',
    source: 'ciralab',
    hex: '5e0000000700000000',
    message: { type: M.CHANNEL_DATA, recipientChannel: 7, data: Buffer.alloc(0) },
  },
  {
    name: 'DISCONNECT PROTOCOL_ERROR',
    source: 'ciralab',
    hex: '01000000020000',
    message: { type: M.DISCONNECT, reasonCode: 2 },
  },
]

export interface ApfErrorVector {
  readonly name: string
  readonly hex: string
  readonly code: ApfDecodeErrorCode
  readonly limits?: Partial<ApfLimits>
  /** Messages decoded before the error, when the vector is a stream. */
  readonly messagesBefore?: number
}

export const APF_ERROR_VECTORS: readonly ApfErrorVector[] = [
  { name: 'type 0', hex: '00', code: ErrorCode.APF_ERR_UNKNOWN_MESSAGE_TYPE },
  { name: 'MeshCentral JSON_CONTROL is not firmware APF', hex: 'fa0000000000', code: ErrorCode.APF_ERR_UNKNOWN_MESSAGE_TYPE },
  { name: 'SSH KEXINIT (20) is not APF', hex: '14', code: ErrorCode.APF_ERR_UNKNOWN_MESSAGE_TYPE },
  { name: 'HTTP GET sent to the APF port', hex: Buffer.from('GET / HTTP/1.1\r\n').toString('hex'), code: ErrorCode.APF_ERR_UNKNOWN_MESSAGE_TYPE },
  { name: 'service name of 2049 bytes', hex: '0500000801', code: ErrorCode.APF_ERR_STRING_TOO_LONG },
  { name: 'username over a 64-byte limit', hex: '3200000041', code: ErrorCode.APF_ERR_STRING_TOO_LONG, limits: { maxStringLength: 64 } },
  { name: 'CHANNEL_OPEN type length 0xffffffff', hex: '5affffffff', code: ErrorCode.APF_ERR_STRING_TOO_LONG },
  { name: 'CHANNEL_DATA of 1 MiB + 1', hex: '5e0000000000100001', code: ErrorCode.APF_ERR_DATA_TOO_LONG },
  { name: 'udp-send-to data of 65536 bytes', hex: '5000000019' + Buffer.from('udp-send-to@amt.intel.com').toString('hex') + '00' + '00000000' + '00000000' + '00000000' + '00000000' + '00010000', code: ErrorCode.APF_ERR_DATA_TOO_LONG },
  { name: 'CHANNEL_DATA over a 4 KiB buffer limit', hex: '5e0000000000002000', code: ErrorCode.APF_ERR_BUFFER_LIMIT, limits: { maxBufferedBytes: 4096 } },
  {
    name: 'USERAUTH_REQUEST asking for a password change',
    hex: '3200000000' + '00000000' + '0000000870617373776f7264' + '01' + '00000000',
    code: ErrorCode.APF_ERR_MALFORMED,
  },
  { name: 'a valid keepalive, then garbage', hex: 'd000000001' + 'ee', code: ErrorCode.APF_ERR_UNKNOWN_MESSAGE_TYPE, messagesBefore: 1 },
]
