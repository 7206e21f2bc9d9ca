import { Command } from "commander";
import { InputError } from "../runtime/errors.js";
import { withGlobalOptions } from "./global-options.js";
import { loadConfig } from "./load-config.js";
import { parseApacheLines } from "./parse-apache-lines.js";
import { parseLines } from "./parse-lines.js";
import { runAction } from "./run-action.js";

export function parseCommand(): Command {
  return withGlobalOptions(new Command("parse"))
    .description(
      'read log lines on stdin, write one JSON object per line on stdout: the parsed event, or {"unparsed": true, "line": ..., "reason": ...}',
    )
    .option("--kind <kind>", "what the lines are: mail, apache (access log) or apache-error", "mail")
    .option(
      "--format <name>",
      "mail: parser id, a fieldMaps name from the config, awk-login, or auto; apache: common, combined (auto), vhost_combined, or the LogFormat string itself",
      "auto",
    )
    .addHelpText(
      "after",
      `
Examples:
  echo 'Nov 25 02:00:01 mx1 dovecot: imap-login: Login: user=<ann@example.com>, method=PLAIN, rip=203.0.113.9, lip=192.0.2.1' | vigil parse --kind mail
  vigil parse --kind apache --format vhost_combined < /var/log/apache2/other_vhosts_access.log
  vigil parse --kind apache --format '%v %h %l %u %t "%r" %>s %b %D' < access.log
  vigil parse --kind apache-error < /var/log/apache2/error.log`,
    )
    .action(
      runAction(async (options: Record<string, string>) => {
        if (options.kind === "apache" || options.kind === "apache-error") {
          let counts: { lines: number; events: number; unparsed: number };
          try {
            counts = await parseApacheLines({
              kind: options.kind,
              format: options.format ?? "auto",
              input: process.stdin,
              output: process.stdout,
            });
          } catch (error) {
            throw new InputError(
              `--format: ${error instanceof Error ? error.message : String(error)}`,
              "give common, combined, vhost_combined, or your LogFormat string in quotes",
            );
          }
          process.stderr.write(`${counts.lines} lines: ${counts.events} parsed, ${counts.unparsed} not parsed\n`);
          return 0;
        }
        if (options.kind !== "mail") {
          throw new InputError(`--kind "${options.kind}" is not known`, "use --kind mail, apache or apache-error");
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
