/** What a subcommand gets from the composition root: its arguments, environment and streams. */
export interface CliContext {
  readonly argv: readonly string[]
  readonly env: Readonly<Record<string, string | undefined>>
  readonly stdout: NodeJS.WritableStream
  readonly stderr: NodeJS.WritableStream
}

/** A subcommand module exports `run`, resolving to the process exit status. */
export interface CommandModule {
  run(ctx: CliContext): Promise<number>
}
