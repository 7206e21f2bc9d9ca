/**
 * One error module for all of Vigil. A person who sees one of these learns
 * what went wrong (`message`), what to do about it (`hint`) and whether
 * retrying can help (`retriable`). Stack traces are shown only with --verbose.
 */
export type VigilErrorOptions = {
  code: string;
  hint?: string;
  retriable?: boolean;
  cause?: unknown;
};

export class VigilError extends Error {
  readonly code: string;
  readonly hint: string | undefined;
  readonly retriable: boolean;

  constructor(message: string, options: VigilErrorOptions) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = options.code;
    this.hint = options.hint;
    this.retriable = options.retriable ?? false;
  }
}

/** A configuration file or flag that does not hold: names the key, the value and what is allowed. */
export class ConfigError extends VigilError {
  readonly key: string;
  constructor(key: string, message: string, hint?: string) {
    super(`${key}: ${message}`, { code: "E_CONFIG", ...(hint === undefined ? {} : { hint }) });
    this.key = key;
  }
}

/** Input a person gave that cannot be used (a missing file, a bad argument). */
export class InputError extends VigilError {
  constructor(message: string, hint?: string, cause?: unknown) {
    super(message, {
      code: "E_INPUT",
      ...(hint === undefined ? {} : { hint }),
      ...(cause === undefined ? {} : { cause }),
    });
  }
}

/** The store (chDB or a ClickHouse server) refused or failed a request. */
export class StoreError extends VigilError {
  constructor(message: string, cause?: unknown, retriable = true) {
    super(message, {
      code: "E_STORE",
      retriable,
      hint: "check that the ClickHouse URL in the config is reachable, or that the --data folder is writable and not used by another Vigil process",
      ...(cause === undefined ? {} : { cause }),
    });
  }
}

/** Wraps a cause with a gerund describing what was being done: `committing checkpoints: <cause>`. */
export function wrapError(doing: string, cause: unknown): VigilError {
  if (cause instanceof VigilError) {
    const wrapped = new VigilError(`${doing}: ${cause.message}`, {
      code: cause.code,
      retriable: cause.retriable,
      cause,
      ...(cause.hint === undefined ? {} : { hint: cause.hint }),
    });
    return wrapped;
  }
  const message = cause instanceof Error ? cause.message : String(cause);
  return new VigilError(`${doing}: ${message}`, { code: "E_INTERNAL", cause });
}
