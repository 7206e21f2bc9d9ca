import { ConfigError } from "../../../runtime/errors.js";

const HOUR = 3_600_000;

/**
 * Converts a wall-clock time in an IANA zone to UTC epoch ms. The zone's
 * offset is computed once per zone and wall-clock hour (Intl is slow) and
 * cached; UTC needs no lookup at all.
 */
export function zoneConverter(zone: string): (wallClockAsUtc: number) => number {
  if (zone === "UTC" || zone === "Etc/UTC" || zone === "GMT") return (wall) => wall;
  let format: Intl.DateTimeFormat;
  try {
    format = new Intl.DateTimeFormat("en-US", {
      timeZone: zone,
      hourCycle: "h23",
      year: "numeric",
      month: "numeric",
      day: "numeric",
      hour: "numeric",
      minute: "numeric",
      second: "numeric",
    });
  } catch {
    throw new ConfigError(
      "timezone",
      `"${zone}" is not a time zone`,
      "use an IANA name such as UTC, Europe/Berlin or America/New_York",
    );
  }
  const offsetAt = (utc: number): number => {
    const parts: Record<string, number> = {};
    for (const part of format.formatToParts(utc)) parts[part.type] = Number(part.value);
    const asUtc = Date.UTC(
      parts.year ?? 1970,
      (parts.month ?? 1) - 1,
      parts.day ?? 1,
      parts.hour ?? 0,
      parts.minute ?? 0,
      parts.second ?? 0,
    );
    return asUtc - Math.floor(utc / 1000) * 1000;
  };
  const cache = new Map<number, number>();
  return (wall) => {
    const hour = Math.floor(wall / HOUR);
    let offset = cache.get(hour);
    if (offset === undefined) {
      // Two passes settle the offset across a daylight-saving change.
      const first = offsetAt(wall);
      offset = offsetAt(wall - first);
      if (cache.size > 10_000) cache.clear();
      cache.set(hour, offset);
    }
    return wall - offset;
  };
}
