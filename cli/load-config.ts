import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { resolve } from "node:path";
import type { z } from "zod";
import { ConfigError, InputError } from "../runtime/errors.js";
import { ConfigSchema, type VigilConfig } from "../schemas/config.js";

export type GlobalOptions = { config?: string; data?: string; verbose?: boolean };

/**
 * Reads the YAML config (or the defaults when no file is given), validates it
 * and applies `--data`. A bad file names the key, the value and what is allowed.
 */
export function loadConfig(options: GlobalOptions): VigilConfig {
  let raw: unknown = {};
  if (options.config !== undefined) {
    const path = resolve(options.config);
    let text: string;
    try {
      text = readFileSync(path, "utf8");
    } catch (cause) {
      throw new InputError(
        `cannot read config file ${path}`,
        "check the --config path (see vigil.example.yaml)",
        cause,
      );
    }
    // The YAML library loads only when a file is given (about 35 ms of every command's start otherwise).
    const { parse: parseYaml, YAMLParseError } = createRequire(import.meta.url)("yaml") as typeof import("yaml");
    try {
      raw = parseYaml(text) ?? {};
    } catch (cause) {
      const where = cause instanceof YAMLParseError ? ` at line ${cause.linePos?.[0]?.line ?? "?"}` : "";
      throw new InputError(`${path} is not valid YAML${where}`, "fix the YAML syntax (see vigil.example.yaml)", cause);
    }
  }
  const parsed = ConfigSchema.safeParse(raw);
  if (!parsed.success) throw configErrorFrom(parsed.error, raw, options.config ?? "(defaults)");
  const config = parsed.data;
  if (options.data !== undefined) config.data = options.data;
  config.data = resolve(config.data);
  return config;
}

function configErrorFrom(error: z.ZodError, raw: unknown, file: string): ConfigError {
  const issue = error.issues[0];
  if (issue === undefined) return new ConfigError("(config)", `${file} is not valid`);
  const key = issue.path
    .map((part) => (typeof part === "number" ? `[${part}]` : `.${String(part)}`))
    .join("")
    .slice(1);
  const value = valueAt(raw, issue.path);
  const shown = value === undefined ? "" : ` (got ${JSON.stringify(value)})`;
  const more = error.issues.length > 1 ? ` (and ${error.issues.length - 1} more problem(s))` : "";
  return new ConfigError(
    key === "" ? "(top level)" : key,
    `${issue.message}${shown}${more}`,
    `fix ${file}; every key is described in vigil.example.yaml and the README's configuration reference`,
  );
}

function valueAt(raw: unknown, path: readonly PropertyKey[]): unknown {
  let current: unknown = raw;
  for (const part of path) {
    if (current === null || typeof current !== "object") return undefined;
    current = (current as Record<PropertyKey, unknown>)[part];
  }
  return current;
}
