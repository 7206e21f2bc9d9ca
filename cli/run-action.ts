import { VigilError } from "../runtime/errors.js";
import { exitProcess } from "../runtime/exit-process.js";

/**
 * Runs a subcommand's action and turns failures into what a person can act
 * on: the message, the hint, and the stack only with --verbose.
 * Exit codes: 0 done, 1 failed, 2 bad input or config.
 */
export function runAction<A extends unknown[]>(action: (...args: A) => Promise<number | undefined>) {
  return async (...args: A): Promise<void> => {
    try {
      const code = await action(...args);
      if (code !== undefined && code !== 0) process.exitCode = code;
    } catch (error) {
      const verbose = process.argv.includes("--verbose") || process.argv.includes("-v");
      process.exitCode = reportError(error, verbose);
    }
  };
}

/**
 * `runAction` for long-running services (run, ship, process, serve): once the
 * service has shut down, the process exits with its code even if a library
 * left a socket or timer behind (kafkajs keeps reconnect timers of consumers
 * it gave up on while a broker was away), after stdout and stderr drained
 * (and past the embedded engine's teardown: see `exitProcess`).
 */
export function runService<A extends unknown[]>(action: (...args: A) => Promise<number | undefined>) {
  const run = runAction(action);
  return async (...args: A): Promise<void> => {
    await run(...args);
    await exitProcess();
  };
}

export function reportError(error: unknown, verbose: boolean): number {
  if (error instanceof VigilError) {
    process.stderr.write(`vigil: ${error.message}\n`);
    if (error.hint !== undefined) process.stderr.write(`  what to do: ${error.hint}\n`);
    if (verbose && error.stack) process.stderr.write(`${error.stack}\n`);
    if (verbose && error.cause instanceof Error) process.stderr.write(`caused by: ${error.cause.stack}\n`);
    return error.code === "E_CONFIG" || error.code === "E_INPUT" ? 2 : 1;
  }
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`vigil: unexpected error: ${message}\n`);
  process.stderr.write(
    verbose && error instanceof Error ? `${error.stack}\n` : "  (run again with --verbose for details)\n",
  );
  return 1;
}
