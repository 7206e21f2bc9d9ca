import type { z } from "zod";

/**
 * One remote step: an argv list, run on the host exactly as written (each
 * argument quoted for the remote shell by `quoteArgv`). A step that needs a
 * shell (a pipe, a test) runs `sh -c SCRIPT NAME ARG...` with a script
 * written here, never built from input: whatever came from an alert or a log
 * is one of the ARGs, which the script reads as "$1", "$2", ...
 */
export type RemoteStep = { argv: string[]; describe: string };

/** What a remediation does on one host with its (validated) parameters. */
export type StepsFor<P> = (params: P) => RemoteStep[];

export type RemediationDefinition<S extends z.ZodObject = z.ZodObject> = {
  /** verb-object, as on the command line: pin-domain, lock-account */
  id: string;
  summary: string;
  /** Parameters; each may also come from the inventory as the host variable vigil_<snake_name>. */
  params: S;
  /** Parameters given as positional arguments on the command line, in order. */
  positional: readonly (keyof z.infer<S> & string)[];
  /** The parameter holding the subject an allowlist is checked against (a user, an IP, a domain). */
  subject?: { param: keyof z.infer<S> & string; kind: "user" | "ip" | "domain" };
  apply: StepsFor<z.infer<S>>;
  /** How it is undone (`--undo`, and `verb` as a command of its own when given), or `irreversible: true`. */
  revert: { verb?: string; summary: string; steps: StepsFor<z.infer<S>> } | { irreversible: true };
  examples: readonly string[];
};

export function defineRemediation<S extends z.ZodObject>(
  definition: RemediationDefinition<S>,
): RemediationDefinition<S> {
  return definition;
}

/** Runs a script of ours under `sh -c` with the values as positional parameters. */
export function shellScript(name: string, script: string, args: readonly string[], describe: string): RemoteStep {
  return { argv: ["sh", "-c", script, name, ...args], describe };
}
