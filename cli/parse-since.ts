import { parseDuration } from "../runtime/duration.js";
import { InputError } from "../runtime/errors.js";

/**
 * `--since`: `all`, a duration counted back from the newest event stored (so
 * a replayed old log reads like a live one), or a timestamp (ISO-8601 or
 * `YYYY-MM-DD HH:MM:SS`, UTC unless it names a zone). Returns epoch ms, or
 * null for all.
 */
export async function resolveSince(
  text: string,
  newestEventTime: () => Promise<number | null>,
): Promise<number | null> {
  const value = text.trim();
  if (value === "all") return null;
  if (/^\d+(?:\.\d+)?(ms|s|m|h|d|w)$/.test(value)) {
    const newest = await newestEventTime();
    return newest === null ? null : newest - parseDuration(value, "--since");
  }
  const iso = /^\d{4}-\d{2}-\d{2}([ T]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?(Z|[+-]\d{2}:?\d{2})?$/.test(value)
    ? value.replace(" ", "T")
    : null;
  const withZone = iso !== null && !/(Z|[+-]\d{2}:?\d{2})$/.test(iso) && iso.includes("T") ? `${iso}Z` : iso;
  const ms = withZone === null ? Number.NaN : Date.parse(withZone);
  if (Number.isNaN(ms)) {
    throw new InputError(
      `--since "${text}" is neither "all", a duration nor a timestamp`,
      "use all, a duration such as 24h or 7d (counted back from the newest event stored), or a time such as 2026-11-24T08:00:00Z",
    );
  }
  return ms;
}
