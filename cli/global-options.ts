import type { Command } from "commander";

/** `--config`, `--data` and `--verbose`, which every subcommand takes. */
export function withGlobalOptions(command: Command): Command {
  return command
    .option("-c, --config <file>", "YAML config file (see vigil.example.yaml)")
    .option("-d, --data <dir>", "folder of the embedded store, checkpoints and state (default ./vigil-data)")
    .option("-v, --verbose", "show stack traces and debug logs");
}
