import { type Logger, pino } from "pino";

export type { Logger };

/**
 * Structured logs on stderr (stdout belongs to command output). Quiet in the
 * steady state: info for lifecycle, warn for what a person should look at.
 */
export function createLogger(options: { level?: string; name?: string } = {}): Logger {
  return pino(
    { name: options.name ?? "vigil", level: options.level ?? process.env.VIGIL_LOG_LEVEL ?? "warn" },
    pino.destination({ dest: 2, sync: true }),
  );
}

/** A logger that writes nothing, for tests and library use. */
export function silentLogger(): Logger {
  return pino({ level: "silent" });
}
