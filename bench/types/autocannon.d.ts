/** The part of autocannon 9's API the proxy-throughput scenario uses (the package ships no types). */
declare module 'autocannon' {
  export interface AutocannonRequest {
    readonly method?: string
    readonly path?: string
    readonly headers?: Readonly<Record<string, string>>
    readonly body?: string | Buffer
    /** Called before each send; returns the request to send. */
    readonly setupRequest?: (request: AutocannonRequest) => AutocannonRequest
  }

  export interface AutocannonOptions {
    readonly url: string
    readonly connections?: number
    /** Seconds. */
    readonly duration?: number
    /** Requests in total (instead of a duration). */
    readonly amount?: number
    /** Seconds before a request counts as timed out. */
    readonly timeout?: number
    readonly pipelining?: number
    /** Each connection cycles through these. */
    readonly requests?: readonly AutocannonRequest[]
  }

  export interface AutocannonHistogram {
    readonly average: number
    readonly mean: number
    readonly stddev: number
    readonly min: number
    readonly max: number
    readonly total: number
    readonly p50: number
    readonly p90: number
    readonly p99: number
  }

  export interface AutocannonResult {
    readonly duration: number
    readonly errors: number
    readonly timeouts: number
    readonly non2xx: number
    readonly '2xx': number
    readonly statusCodeStats: Readonly<Record<string, { readonly count: number }>>
    readonly latency: AutocannonHistogram
    readonly requests: AutocannonHistogram & { readonly sent: number }
    readonly throughput: AutocannonHistogram
  }

  export interface AutocannonInstance extends PromiseLike<AutocannonResult> {
    stop(): void
  }

  export default function autocannon(options: AutocannonOptions): AutocannonInstance
}
