import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

export const repoRoot = resolve(import.meta.dirname, "..", "..");
const vigilJs = join(repoRoot, "dist", "bin", "vigil.js");

export type CliResult = { code: number | null; stdout: string; stderr: string };

/** Runs the built CLI (`npm test` builds first) and collects its output. */
export function vigil(
  args: readonly string[],
  options: { input?: string | Buffer; cwd?: string; env?: Record<string, string> } = {},
): Promise<CliResult> {
  if (!existsSync(vigilJs)) throw new Error(`${vigilJs} is missing: run npm run build first (npm test does)`);
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [vigilJs, ...args], {
      cwd: options.cwd ?? repoRoot,
      stdio: "pipe",
      env: { ...process.env, ...options.env },
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on("data", (data: Buffer) => out.push(data));
    child.stderr.on("data", (data: Buffer) => err.push(data));
    child.on("error", reject);
    child.on("close", (code) =>
      resolvePromise({ code, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() }),
    );
    child.stdin.end(options.input ?? "");
  });
}

const background = new Set<ChildProcess>();
process.on("exit", () => {
  for (const child of background) child.kill("SIGKILL");
});

/** Kills every background CLI still running (after a test that failed or timed out). */
export function killBackground(): void {
  for (const child of background) child.kill("SIGKILL");
}

/** Starts the CLI in the background (for `vigil run`); it is killed if the test process exits first. */
export function startVigil(
  args: readonly string[],
  options: { env?: Record<string, string> } = {},
): ChildProcess & { output(): string } {
  const child = spawn(process.execPath, [vigilJs, ...args], {
    cwd: repoRoot,
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, ...options.env },
  });
  background.add(child);
  child.once("exit", () => background.delete(child));
  const chunks: Buffer[] = [];
  child.stdout?.on("data", (data: Buffer) => chunks.push(data));
  child.stderr?.on("data", (data: Buffer) => chunks.push(data));
  return Object.assign(child, { output: () => Buffer.concat(chunks).toString() });
}

/**
 * Waits for a background CLI to exit: its exit code, or the name of the signal that ended it. A process
 * still running after `withinMs` fails the test with its output so far.
 */
export async function exitOf(run: ChildProcess & { output(): string }, withinMs = 60_000): Promise<number | string> {
  if (run.exitCode !== null) return run.exitCode;
  if (run.signalCode !== null) return run.signalCode;
  let timer: NodeJS.Timeout | undefined;
  const exited = new Promise<number | string>((resolvePromise) =>
    run.once("exit", (code, signal) => resolvePromise(code ?? signal ?? "unknown")),
  );
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new Error(
            `vigil (pid ${run.pid}) still running ${withinMs} ms after it was asked to stop; its output:\n${run.output()}`,
          ),
        ),
      withinMs,
    );
  });
  try {
    return await Promise.race([exited, late]);
  } finally {
    clearTimeout(timer);
  }
}

export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `vigil-${prefix}-`));
}
