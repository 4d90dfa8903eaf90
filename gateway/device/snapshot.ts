/** What the admin API shows for one connected device. */

export interface DeviceSnapshot {
  readonly uuid: string
  readonly hostname: string | null
  readonly remoteAddress: string
  readonly transport: 'tls' | 'plain'
  readonly connectedSince: string
  readonly lastSeen: string
  readonly triggerReason: number
  readonly forwardedPorts: number[]
  readonly openChannels: number
  readonly bytesFromDevice: number
  readonly bytesToDevice: number
  readonly console: { readonly opened: number; readonly closed: number; readonly bytesToDevice: number; readonly bytesFromDevice: number }
  readonly connId: number
}
