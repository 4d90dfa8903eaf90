/**
 * `ciralab simulate`: bring up N simulated AMT devices that call home to a gateway, show progress
 * on stderr, and print a summary (text or JSON) at the end. Exit status 0 when the run met its
 * own criteria (every device connected at least once, no integrity failure), 1 when not, 2 on
 * bad arguments.
 */

import { formatHelp, parseCommand, type CommandSpec } from '../cli/args.js'
import type { CliContext } from '../cli/context.js'
import { resolveSettings, type SimulateSettings } from './cli-settings.js'
import type { Fleet } from './fleet/fleet.js'
import { DEFAULT_MAX_CONNECTING, LocalFleet } from './fleet/local-fleet.js'
import { ProcessFleet } from './fleet/process-fleet.js'
import { formatProgress, formatSummary, judge, type FleetSnapshot, type Verdict } from './fleet/summary.js'

export const simulateSpec: CommandSpec = {
  name: 'simulate',
  summary: 'Bring up simulated Intel AMT devices that call home to a CIRA gateway (APF over TLS or plain).',
  usage: ['ciralab simulate --gateway HOST:PORT [--devices N] [options]'],
  options: {
    gateway: { type: 'string', placeholder: 'HOST:PORT', description: 'the preferred gateway (required)' },
    'alt-gateway': { type: 'string', placeholder: 'HOST:PORT', description: 'the alternative gateway of every policy' },
    devices: { type: 'string', placeholder: 'N', description: 'how many devices', defaultText: '1' },
    ramp: { type: 'string', placeholder: 'PER_SECOND', description: 'devices started per second (0: all at once)', defaultText: '500' },
    duration: { type: 'string', placeholder: 'SECONDS', description: 'stop after this long', defaultText: 'until Ctrl-C' },
    'until-connected': { type: 'boolean', description: 'stop as soon as every device has connected' },
    seed: { type: 'string', placeholder: 'S', description: 'seed of every identity and random choice', defaultText: 'ciralab' },
    profile: { type: 'string', placeholder: 'FILE', description: 'fleet profile (JSON): mixes, firmware knobs, link, faults' },
    ca: { type: 'string', placeholder: 'FILE', description: 'root certificate (PEM) the devices trust', defaultText: 'system roots' },
    servername: { type: 'string', placeholder: 'NAME', description: 'gateway name devices expect in its certificate', defaultText: 'the --gateway host' },
    insecure: { type: 'boolean', description: 'TLS without any certificate check' },
    plain: { type: 'boolean', description: 'APF over plain TCP, no TLS' },
    user: { type: 'string', placeholder: 'U', description: 'gateway (MPS) user name devices log in with', defaultText: 'admin' },
    password: { type: 'string', placeholder: 'P', description: 'gateway (MPS) password', defaultText: 'P@ssw0rd' },
    'amt-user': { type: 'string', placeholder: 'U', description: 'AMT admin user consoles log in with (WS-MAN, redirection)', defaultText: 'admin' },
    'amt-password': { type: 'string', placeholder: 'P', description: 'AMT admin password', defaultText: 'P@ssw0rd' },
    workers: { type: 'string', placeholder: 'K', description: 'worker processes (0: this process)', defaultText: '0 up to 15000 devices, then one per 15000' },
    'max-connecting': { type: 'string', placeholder: 'N', description: 'devices connecting at once per process (0: no cap)', defaultText: String(DEFAULT_MAX_CONNECTING) },
    'source-ips': { type: 'string', placeholder: 'RANGE', description: 'source addresses, round-robin (127.0.0.2-127.0.0.9,127.0.1.1)' },
    json: { type: 'boolean', description: 'print the summary as JSON' },
  },
  epilog: [
    'Devices: identity from --seed and the index: UUID, FQDN dev-000123.fleet.test, AMT 11.8 to 19',
    '(default mix 11.8:5 12.0:10 14.1:10 15.0:15 16.1:25 18.1:20 19.0:15), ACM 70% / CCM 30%, consent',
    'none/KVM/all 5:3:2 (CCM always asks), power on 90%, realm Digest: + 32 hex. Firmware defaults:',
    'keepalive 30 s (80%), 60 s, 90 s; forwards 16993 16992 664 623 16995 16994 5900; channel window',
    '32768; 16 channels; periodic policy (25 s, stay connected); retry 2 s, back off 15 min, give up',
    'after 2 days. A --profile file changes any of it (see the README, section ciralab simulate).',
    '',
    'Progress goes to stderr every second; the summary to stdout. Exit status: 0 when every device',
    'connected at least once and no integrity check failed, 1 otherwise, 2 on bad arguments.',
    '',
    'Example:',
    '  ciralab simulate --gateway 127.0.0.1:4433 --ca root.pem --servername gateway.ciralab.test \\',
    '    --devices 10000 --ramp 1000 --until-connected --source-ips 127.0.0.2-127.0.0.9',
  ].join('\n'),
}

function makeFleet(s: SimulateSettings, ctx: CliContext): Fleet & { readonly problems?: readonly string[] } {
  if (s.workers === 0) {
    return new LocalFleet({ profile: s.profile, run: s.run, transport: s.transport, count: s.devices, rampPerSecond: s.rampPerSecond, maxConnecting: s.maxConnecting })
  }
  return new ProcessFleet({
    profile: s.profile,
    run: s.run,
    transport: s.transport,
    devices: s.devices,
    workers: s.workers,
    rampPerSecond: s.rampPerSecond,
    maxConnecting: s.maxConnecting,
    stderr: ctx.stderr,
  })
}

/** Resolve when the run should end: duration over, all connected (if asked), or a signal. */
function waitForEnd(s: SimulateSettings, fleet: Fleet, ctx: CliContext, started: number): Promise<string> {
  return new Promise((resolve) => {
    let last = { at: started, connects: 0 }
    const progress = (snap: FleetSnapshot, now: number) => {
      const rate = ((snap.connects - last.connects) * 1000) / Math.max(1, now - last.at)
      last = { at: now, connects: snap.connects }
      ctx.stderr.write(`${formatProgress(snap, (now - started) / 1000, rate)}\n`)
    }
    const finish = (why: string) => {
      clearInterval(ticker)
      process.off('SIGINT', onSignal)
      process.off('SIGTERM', onSignal)
      resolve(why)
    }
    const onSignal = () => finish('interrupted')
    const check = () => {
      const now = performance.now()
      const allConnected = s.untilConnected && fleet.progress().everConnected >= s.devices
      // The full snapshot walks every device: once a second, not every check.
      if (allConnected || now - last.at >= 1000) progress(fleet.snapshot(), now)
      if (allConnected) finish('all connected')
      else if (s.durationSeconds !== null && now - started >= s.durationSeconds * 1000) finish('duration over')
    }
    // Checked often so a short run ends on time; a progress line once a second.
    const ticker = setInterval(check, 50)
    process.once('SIGINT', onSignal)
    process.once('SIGTERM', onSignal)
  })
}

export async function run(ctx: CliContext): Promise<number> {
  const { values, help } = parseCommand(simulateSpec, ctx.argv)
  if (help) {
    ctx.stdout.write(formatHelp(simulateSpec))
    return 0
  }
  const settings = resolveSettings(values)
  const fleet = makeFleet(settings, ctx)
  const started = performance.now()
  ctx.stderr.write(
    `simulate: ${settings.devices} devices → ${settings.run.gateways.primary.host}:${settings.run.gateways.primary.port}` +
      ` (${settings.transport.mode}${settings.transport.insecure === true ? ', insecure' : ''}), ramp ${settings.rampPerSecond}/s,` +
      ` ${settings.workers === 0 ? 'in this process' : `${settings.workers} workers`}\n`,
  )
  let snapshot: FleetSnapshot
  let extra: readonly string[] = []
  try {
    await fleet.start()
    const why = await waitForEnd(settings, fleet, ctx, started)
    ctx.stderr.write(`simulate: stopping (${why})\n`)
  } finally {
    snapshot = await fleet.stop()
    extra = fleet.problems ?? []
  }
  const judged = judge(snapshot)
  const verdict: Verdict = { ok: judged.ok && extra.length === 0, problems: [...judged.problems, ...extra] }
  const elapsed = (performance.now() - started) / 1000
  if (settings.json) ctx.stdout.write(`${JSON.stringify({ verdict, elapsedSeconds: Number(elapsed.toFixed(3)), summary: snapshot })}\n`)
  else ctx.stdout.write(formatSummary(snapshot, verdict, elapsed))
  return verdict.ok ? 0 : 1
}
