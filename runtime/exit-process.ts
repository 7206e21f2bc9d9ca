import { readFileSync } from "node:fs";
import { basename } from "node:path";

/** How long the exit waits for chDB calls still running on libuv's threads (there should be none). */
const DRAIN_LIMIT_MS = 10_000;

/**
 * Ends the process once a command has finished and closed its store: with `code`, or
 * `process.exitCode`.
 *
 * When the embedded ClickHouse engine (chDB) is loaded, the process ends with `_exit`, skipping
 * the C++ global destructors. chDB's background threads (the schedule pool that MergeTree tables
 * keep busy) are still running when a normal exit destroys the engine's globals, and one of them
 * can then fault: the process dies with SIGSEGV, or hangs in the engine's fault handler, after
 * the command finished and committed everything (seen as `vigil run` not exiting after SIGTERM,
 * mostly on a loaded machine). `chdb_shutdown()`, which would join those threads, refuses while
 * a MergeTree table is attached (chdb 3.4.0). Nothing is lost by skipping the destructors: the
 * caller closed its store, chDB's writes are done when their calls return, state files are
 * written and renamed synchronously, stdout and stderr are drained here, and the logger writes
 * synchronously.
 */
export async function exitProcess(code?: number): Promise<never> {
  const exitCode = code ?? exitCodeSet();
  await exitPastEmbeddedEngine(exitCode);
  await Promise.all([drained(process.stdout), drained(process.stderr)]);
  return process.exit(exitCode);
}

/**
 * When the embedded engine is loaded: waits for its pending calls and for stdout and stderr, then ends
 * the process with `_exit` (see `exitProcess`). Otherwise returns at once, leaving the exit to Node.
 */
export async function exitPastEmbeddedEngine(code = exitCodeSet()): Promise<void> {
  const libraries = mappedLibraries();
  const libc = libraries.find((path) => /^libc(\.so|\.musl)/.test(basename(path)));
  if (libc === undefined || !libraries.some((path) => basename(path) === "libchdb.so")) return;
  const { drainPending } = await import("chdb");
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([drainPending(), new Promise((resolve) => (timer = setTimeout(resolve, DRAIN_LIMIT_MS)))]);
  clearTimeout(timer);
  await Promise.all([drained(process.stdout), drained(process.stderr)]);
  const { default: koffi } = await import("koffi");
  const immediateExit = koffi.load(libc).func("void _exit(int)") as (status: number) => void;
  immediateExit(code);
}

function exitCodeSet(): number {
  const code = process.exitCode;
  return typeof code === "number" ? code : Number(code ?? 0) || 0;
}

/** The shared libraries mapped into this process (Linux; elsewhere none, and the exit is Node's). */
function mappedLibraries(): string[] {
  let maps: string;
  try {
    maps = readFileSync("/proc/self/maps", "utf8");
  } catch {
    return [];
  }
  const paths = new Set<string>();
  for (const line of maps.split("\n")) {
    const at = line.indexOf("/");
    if (at !== -1 && line.includes(".so", at)) paths.add(line.slice(at));
  }
  return [...paths];
}

function drained(stream: NodeJS.WriteStream): Promise<void> {
  return new Promise((resolve) => {
    if (stream.writableLength === 0) resolve();
    else stream.write("", () => resolve());
  });
}
