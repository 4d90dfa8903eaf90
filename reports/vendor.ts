/**
 * The vendor's published capacity figures for its gateway (Intel MPS), so scenarios put them
 * beside ours in `vendor` without retyping numbers. Source: the figures quoted in issue 6.
 */

import type { VendorFigure } from './model.js'

export const VENDOR_SOURCE = 'Intel MPS published capacity figures (issue 6)'

export const VENDOR = {
  /** 1,000 devices streaming SOL for 48 h: no disconnects, no transmission failures. */
  stability: { devices: 1000, hours: 48, disconnects: 0, transmissionFailures: 0, cpuPercentMax: 15, rssMB: 26, logKB: 725 },
  /** Redirection sessions still opened at about 500 connected devices and failed at about 600. */
  redirectionLimit: { stillOpenAtDevices: 500, failedAtDevices: 600 },
  /** 240 ms device-to-gateway over a WAN, the console 220 ms away from the gateway. */
  latency: { deviceToGatewayMs: 240, consoleToGatewayMs: 220 },
  /** IDE-R over CIRA, 80 ms RTT; link given as device down/up in kbit/s. */
  iderThroughput: [
    { link: '2/2 Mbps', downKbps: 2000, upKbps: 2000, rttMs: 80, kilobytesPerSecond: 125 },
    { link: '768/256 Kbps', downKbps: 768, upKbps: 256, rttMs: 80, kilobytesPerSecond: 48 },
    { link: '512/512 Kbps', downKbps: 512, upKbps: 512, rttMs: 80, kilobytesPerSecond: 32 },
  ],
} as const

/**
 * The physical limit of an IDE-R transfer in KB/s (1 KB = 1000 B): the disk image flows from
 * the console to the device, so the device's downlink bounds it.
 */
export function linkLimitKilobytesPerSecond(downKbps: number): number {
  return downKbps / 8
}

/** One `vendor` entry with the standard source. */
export function vendorFigure(metric: string, ours: number | null, vendor: number, unit: string, better: 'lower' | 'higher'): VendorFigure {
  return { metric, ours, vendor, unit, better, source: VENDOR_SOURCE }
}
