#!/usr/bin/env -S node --max-semi-space-size=64
import "../runtime/heap-tuning.js";
import { Command } from "commander";
import { actionsCommand } from "../cli/actions.js";
import { alertsCommand } from "../cli/alerts.js";
import { backfillCommand } from "../cli/backfill.js";
import { demoCommand } from "../cli/demo.js";
import { fleetCommand } from "../cli/fleet.js";
import { grafanaCommand } from "../cli/grafana.js";
import { historyCommand } from "../cli/history.js";
import { kafkaCommand } from "../cli/kafka.js";
import { migrateCommand } from "../cli/migrate.js";
import { outboundCommand } from "../cli/outbound.js";
import { parseCommand } from "../cli/parse.js";
import { processCommand } from "../cli/process.js";
import { reportCommand } from "../cli/report.js";
import { runCommand } from "../cli/run.js";
import { serveCommand } from "../cli/serve.js";
import { shipCommand } from "../cli/ship.js";
import { statusCommand } from "../cli/status.js";
import { storeCommand } from "../cli/store.js";
import { topCommand } from "../cli/top.js";

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

for (const command of [
  demoCommand(),
  runCommand(),
  backfillCommand(),
  topCommand(),
  historyCommand(),
  alertsCommand(),
  outboundCommand(),
  parseCommand(),
  migrateCommand(),
  storeCommand(),
  kafkaCommand(),
  shipCommand(),
  processCommand(),
  statusCommand(),
  fleetCommand(),
  actionsCommand(),
  serveCommand(),
  grafanaCommand(),
  reportCommand(),
]) {
  program.addCommand(command);
}

await program.parseAsync(process.argv);
