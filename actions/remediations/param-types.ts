import { isIP } from "node:net";
import { z } from "zod";

/** Value types remediation parameters share; each refuses what would not be safe or meaningful on a server. */

const NO_CONTROL = /^[^\u0000-\u001f\u007f]*$/;

export const domainName = z
  .string()
  .trim()
  .toLowerCase()
  .regex(
    /^(?=.{1,253}$)[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?(?:\.[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?)*$/,
    "a domain name: letters, digits, hyphens and dots, such as shop.example.com",
  );

export const ipAddress = z
  .string()
  .trim()
  .refine((value) => isIP(value) !== 0, "an IPv4 or IPv6 address, such as 203.0.113.7");

export const absolutePath = z
  .string()
  .regex(/^\//, "an absolute path on the server, such as /var/www/site")
  .regex(NO_CONTROL, "a path without control characters or newlines");

/** A login name as it appeared in a log: anything printable; presets narrow it further where their files need it. */
export const accountName = z
  .string()
  .min(1, "a user name")
  .max(256, "a user name of at most 256 characters")
  .regex(NO_CONTROL, "a user name without control characters or newlines");

/** A line of free text (a reason) that goes into a file on the server. */
export const oneLine = z.string().max(200).regex(NO_CONTROL, "one line of text without control characters");

export const durationText = z
  .string()
  .regex(/^\d+(?:s|m|h|d)$/, "a duration such as 90s, 30m, 24h or 7d")
  .transform((value) => {
    const unit = { s: 1, m: 60, h: 3600, d: 86400 }[value.slice(-1) as "s" | "m" | "h" | "d"];
    return Number(value.slice(0, -1)) * unit;
  });

/**
 * A command template: an argv list (YAML list) or a line split on spaces,
 * whose `{name}` placeholders are replaced inside each argument by the
 * parameter's value. A value never splits into several arguments.
 */
export const commandTemplate = z.union([z.array(z.string().min(1)).min(1), z.string().min(1)]);
export type CommandTemplate = z.infer<typeof commandTemplate>;

export function expandTemplate(template: CommandTemplate, values: Record<string, string>): string[] {
  const words = typeof template === "string" ? template.trim().split(/\s+/) : template;
  return words.map((word) =>
    word.replace(/\{([a-z_]+)\}/g, (whole, name: string) => (name in values ? (values[name] as string) : whole)),
  );
}
