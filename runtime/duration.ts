import { ConfigError } from "./errors.js";

const UNIT_MS: Record<string, number> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};

const DURATION = /^(\d+(?:\.\d+)?)(ms|s|m|h|d|w)$/;

/** Parses `90s`, `10m`, `1h`, `24h`, `7d` into milliseconds; `key` names the flag or config key in errors. */
export function parseDuration(text: string, key: string): number {
  const match = DURATION.exec(text.trim());
  const unit = match?.[2];
  if (!match || unit === undefined) {
    throw new ConfigError(
      key,
      `"${text}" is not a duration`,
      "write a number and a unit: ms, s, m, h, d or w (for example 10m, 1h, 24h)",
    );
  }
  return Number(match[1]) * (UNIT_MS[unit] ?? 0);
}

/** Formats milliseconds the way parseDuration reads them, in the largest whole unit. */
export function formatDuration(ms: number): string {
  for (const unit of ["w", "d", "h", "m", "s"] as const) {
    const size = UNIT_MS[unit] ?? 1;
    if (ms % size === 0 && ms >= size) return `${ms / size}${unit}`;
  }
  return `${ms}ms`;
}
