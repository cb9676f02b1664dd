// Shared argument handling for the commands: parseArgs with errors that say what to do.
import { type ParseArgsConfig, parseArgs } from 'node:util'

type Options = NonNullable<ParseArgsConfig['options']>

export class UsageError extends Error {}

export interface ParsedArgs {
  values: Record<string, string | boolean | undefined>
  positionals: string[]
}

/** Parses `args` for `command`; unknown or malformed flags become a UsageError. */
export function parseCommandArgs(command: string, args: string[], options: Options): ParsedArgs {
  try {
    return parseArgs({
      args,
      options: { ...options, help: { type: 'boolean', short: 'h' } },
      allowPositionals: true,
      strict: true,
    })
  } catch (error) {
    throw new UsageError(`switchyard ${command}: ${(error as Error).message}`)
  }
}

/**
 * The port to listen on: `--port`, else the PORT environment variable (which hosting
 * platforms set), else `fallback`. An empty PORT counts as unset, as shells write it.
 */
export function parsePort(
  flag: string | undefined,
  env: string | undefined,
  fallback: number,
  command: string,
): number {
  if (flag !== undefined) return portOf(flag, '--port', command)
  if (env !== undefined && env !== '') return portOf(env, 'the PORT environment variable', command)
  return fallback
}

/** An integer from 0 to 65535, written in decimal digits only. */
function portOf(value: string, source: string, command: string): number {
  const port = Number(value)
  if (!/^\d+$/.test(value) || port > 65535) {
    throw new UsageError(
      `switchyard ${command}: ${source} must be an integer from 0 to 65535, got "${value}"`,
    )
  }
  return port
}

/** Runs a command body, turning usage errors into a message and exit code 2. */
export async function runCommand(help: string, body: () => Promise<number>): Promise<number> {
  try {
    return await body()
  } catch (error) {
    if (error instanceof UsageError) {
      console.error(`${error.message}\n\n${help}`)
      return 2
    }
    console.error(`switchyard: ${(error as Error).message}`)
    return 1
  }
}
