import { createRequire } from "node:module";

export type BackfillProgress = { update(bytesRead: number, lines: number): void; stop(): void };

/**
 * A progress bar on stderr: bytes read, lines/s and ETA. Drawn only on a
 * terminal (`enabled`); elsewhere it stays silent and the command prints its
 * own one-line summary at the end.
 */
export function createBackfillProgress(options: { totalBytes: number; enabled: boolean }): BackfillProgress {
  if (!options.enabled) return { update: () => undefined, stop: () => undefined };
  // Loaded only when a bar is drawn (about 13 ms of the command's start otherwise).
  const cliProgress = createRequire(import.meta.url)("cli-progress") as typeof import("cli-progress");
  const bar = new cliProgress.SingleBar(
    {
      format: " {bar} {percentage}% | {read} of {total_read} | {rate} lines/s | ETA {eta_formatted}",
      stream: process.stderr,
      hideCursor: true,
      etaBuffer: 50,
      fps: 5,
    },
    cliProgress.Presets.shades_classic,
  );
  const started = Date.now();
  const mib = (bytes: number) => `${(bytes / 1048576).toFixed(1)} MiB`;
  bar.start(options.totalBytes, 0, { read: mib(0), total_read: mib(options.totalBytes), rate: 0 });
  let stopped = false;
  return {
    update(bytesRead, lines) {
      const seconds = Math.max((Date.now() - started) / 1000, 0.001);
      bar.update(bytesRead, { read: mib(bytesRead), rate: Math.round(lines / seconds).toLocaleString("en-US") });
    },
    stop() {
      if (stopped) return;
      stopped = true;
      bar.stop();
    },
  };
}
