#!/usr/bin/env -S node --max-semi-space-size=64 --initial-old-space-size=128
import "../runtime/heap-tuning.js";
import type { Command as CommandType } from "commander";
import { Command } from "commander";
import { exitPastEmbeddedEngine } from "../runtime/exit-process.js";

// `vigil top | head` closes our stdout early: that is the reader's choice, not an error.
process.stdout.on("error", (error: NodeJS.ErrnoException) => {
  if (error.code === "EPIPE") process.exit(0);
  throw error;
});

const program = new Command("vigil")
  .description(
    "Watch mail and web servers through their logs: find the accounts spammers have taken over (logins from many networks), " +
      "keep every account's address history, find web servers whose connections leave where they should not, alert as it happens, " +
      "and fix it on the fleet over SSH. Embedded by default (one process, chDB).",
  )
  .version("0.1.0")
  .showHelpAfterError("(run with --help for usage)")
  .addHelpText(
    "after",
    `
Start here:
  vigil demo                              generate realistic mail logs and find the compromised accounts in them
  vigil run --config vigil.yaml           tail the configured logs, alert as accounts cross thresholds
  vigil backfill /var/log/maillog*.gz     import history
  vigil top accounts --since 24h          accounts by distinct networks
  vigil history ann@example.com           every address an account used
Scaled out (a kafka section in the config; see docs/scaling-out.md):
  vigil kafka init, vigil ship (on every server), vigil process (workers), vigil status
The fleet (an Ansible YAML inventory; see README, Fleet commands):
  vigil fleet run -i inventory.yml -g web -- uptime
  vigil actions pin-domain shop.example.com -g web --dry-run
  vigil actions lock-account ann@example.com -g mail
  vigil serve                             alerts (Grafana webhooks, vigil.alerts) to actions by the rules file
  vigil actions list, vigil actions approve ID
Web servers (Apache logs, outbound connections; see README, Web servers):
  vigil run --config vigil.yaml           with apache-access sources and a web section
  vigil outbound                          destinations with verdicts, request times beside own-domain connections
Grafana and reports:
  vigil grafana provision --out DIR       data sources, dashboards, alert rules, the webhook contact point
  vigil report --out report.html          the dashboards' panels in one offline HTML file
  vigil top live                          top accounts and outbound destinations, refreshed
Every command takes --config FILE and --data DIR (default ./vigil-data).`,
  );

/**
 * Every subcommand, in the order help lists them, each loaded on demand: a command's module brings its
 * dependencies (ClickHouse's client, chDB, kafkajs, ssh2, Grafana's SDK...), and loading all of them took
 * about half a second before any work. `vigil backfill ...` loads only backfill's; help, an unknown
 * command or options before the command name load all.
 */
const COMMANDS: Record<string, () => Promise<CommandType>> = {
  demo: async () => (await import("../cli/demo.js")).demoCommand(),
  run: async () => (await import("../cli/run.js")).runCommand(),
  backfill: async () => (await import("../cli/backfill.js")).backfillCommand(),
  top: async () => (await import("../cli/top.js")).topCommand(),
  history: async () => (await import("../cli/history.js")).historyCommand(),
  alerts: async () => (await import("../cli/alerts.js")).alertsCommand(),
  outbound: async () => (await import("../cli/outbound.js")).outboundCommand(),
  parse: async () => (await import("../cli/parse.js")).parseCommand(),
  migrate: async () => (await import("../cli/migrate.js")).migrateCommand(),
  store: async () => (await import("../cli/store.js")).storeCommand(),
  kafka: async () => (await import("../cli/kafka.js")).kafkaCommand(),
  ship: async () => (await import("../cli/ship.js")).shipCommand(),
  process: async () => (await import("../cli/process.js")).processCommand(),
  status: async () => (await import("../cli/status.js")).statusCommand(),
  fleet: async () => (await import("../cli/fleet.js")).fleetCommand(),
  actions: async () => (await import("../cli/actions.js")).actionsCommand(),
  serve: async () => (await import("../cli/serve.js")).serveCommand(),
  grafana: async () => (await import("../cli/grafana.js")).grafanaCommand(),
  report: async () => (await import("../cli/report.js")).reportCommand(),
};
const named = process.argv[2];
// An import's parse worker starts first, while the command's modules load and its store opens.
if (named === "backfill") (await import("../processors/parse-worker/early-parse-worker.js")).startParseWorkerEarly();
// `vigil --version` needs no command; `vigil help top` needs only top's.
const asked = named === "help" ? process.argv[3] : named;
const wanted =
  named === "--version" || named === "-V"
    ? []
    : asked !== undefined && Object.hasOwn(COMMANDS, asked)
      ? [asked]
      : Object.keys(COMMANDS);
for (const command of await Promise.all(wanted.map((name) => (COMMANDS[name] as () => Promise<CommandType>)())))
  program.addCommand(command);

// A command line commander refuses (unknown option or command, a value not offered, a missing argument)
// is bad input: exit 2, as every other refusal of input (commander's own default is 1).
const USAGE_ERRORS = new Set([
  "commander.unknownOption",
  "commander.unknownCommand",
  "commander.invalidArgument",
  "commander.missingArgument",
  "commander.optionMissingArgument",
  "commander.missingMandatoryOptionValue",
  "commander.conflictingOption",
  "commander.excessArguments",
]);
function exitTwoOnUsageErrors(command: CommandType): void {
  command.exitOverride((error) => process.exit(USAGE_ERRORS.has(error.code) ? 2 : error.exitCode));
  for (const subcommand of command.commands) exitTwoOnUsageErrors(subcommand);
}
exitTwoOnUsageErrors(program);

await program.parseAsync(process.argv);
// A command that used the embedded engine ends past its teardown, which can fault (see exitProcess).
await exitPastEmbeddedEngine();
