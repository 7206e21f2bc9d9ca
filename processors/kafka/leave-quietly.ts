import type { Logger } from "../../runtime/logger.js";

/**
 * Leaving the group at shutdown: an error here (the coordinator forgot the
 * member after a broker restart, the broker is away) changes nothing that was
 * committed, so it is logged, not raised.
 */
export async function leaving(step: Promise<void>, logger: Logger, what = "leaving the group"): Promise<void> {
  try {
    await step;
  } catch (error) {
    logger.warn({ err: error instanceof Error ? error.message : String(error) }, `kafka: ${what} failed (harmless)`);
  }
}
