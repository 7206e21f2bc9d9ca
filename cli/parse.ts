import { Command } from "commander";
import { InputError } from "../runtime/errors.js";
import { withGlobalOptions } from "./global-options.js";
import { loadConfig } from "./load-config.js";
import { parseLines } from "./parse-lines.js";
import { runAction } from "./run-action.js";

export function parseCommand(): Command {
  return withGlobalOptions(new Command("parse"))
    .description(
      'read log lines on stdin, write one JSON object per line on stdout: the parsed event, or {"unparsed": true, "line": ..., "reason": ...}',
    )
    .option("--kind <kind>", "what the lines are: mail", "mail")
    .option("--format <name>", "parser id, a fieldMaps name from the config, awk-login, or auto", "auto")
    .addHelpText(
      "after",
      `
Example:
  echo 'Nov 25 02:00:01 mx1 dovecot: imap-login: Login: user=<ann@example.com>, method=PLAIN, rip=203.0.113.9, lip=192.0.2.1' | vigil parse --kind mail`,
    )
    .action(
      runAction(async (options: Record<string, string>) => {
        if (options.kind !== "mail") {
          throw new InputError(`--kind "${options.kind}" is not known`, "use --kind mail");
        }
        const config = loadConfig(options);
        const counts = await parseLines({
          format: options.format ?? "auto",
          config,
          input: process.stdin,
          output: process.stdout,
        });
        process.stderr.write(`${counts.lines} lines: ${counts.events} events, ${counts.unparsed} not parsed\n`);
        return 0;
      }),
    );
}
