import { join } from "node:path";
import type { VigilConfig } from "../schemas/config.js";

/**
 * Where a configuration keeps its results and checkpoints, without opening
 * anything (no store client loaded): commands name these before, or instead
 * of, opening the store.
 */

/** The pipeline's state file (checkpoints and aggregation state) in the data folder. */
export function statePathOf(config: VigilConfig): string {
  return join(config.data, "state.json");
}

/** Where the results went, in words. */
export function describeStore(config: VigilConfig): string {
  return config.clickhouse === undefined
    ? `chDB (embedded ClickHouse) in ${join(config.data, "chdb")}`
    : config.clickhouse.url;
}
