import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeSync } from "node:fs";
import { mkdir, open, rename } from "node:fs/promises";
import { dirname } from "node:path";
import { z } from "zod";
import { VigilError } from "../runtime/errors.js";
import { StateSnapshotSchema } from "./account-ips/state-snapshot.js";

/**
 * Checkpoints and processor state in ONE file, replaced atomically (write a
 * temporary file, fsync, rename, fsync the folder). Both describe the same
 * moment: everything before the positions is folded into the state, and the
 * store acknowledged every row derived from it. A crash at any point leaves
 * either the old file or the new one, never a mix.
 */
export const PipelineStateSchema = z
  .object({
    version: z.literal(1),
    savedAt: z.string(),
    positions: z.array(
      z.object({ sourceId: z.string(), path: z.string(), inode: z.number(), offset: z.number().int().nonnegative() }),
    ),
    accountIps: StateSnapshotSchema.nullable(),
  })
  .strict();
export type PipelineState = z.infer<typeof PipelineStateSchema>;

export function loadStateFile(path: string): PipelineState | null {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw error;
  }
  const parsed = PipelineStateSchema.safeParse(safeJson(text));
  if (!parsed.success) {
    throw new VigilError(`the state file ${path} is damaged (${parsed.error.issues[0]?.message ?? "unreadable"})`, {
      code: "E_STATE",
      hint: `move it aside to start over from the beginning of every file (results are rewritten idempotently): mv ${path} ${path}.bad`,
    });
  }
  return parsed.data;
}

export function saveStateFile(path: string, state: PipelineState): void {
  writeFileAtomically(path, JSON.stringify(state));
}

/** saveStateFile with the writing and syncing done off the main thread (a large state: the fold goes on meanwhile). */
export async function saveStateFileAsync(path: string, state: PipelineState): Promise<void> {
  await writeFileAtomicallyAsync(path, JSON.stringify(state));
}

/** Replaces a file so that a crash leaves the old or the new content, never a mix (write, fsync, rename, fsync the folder). */
export function writeFileAtomically(path: string, text: string): void {
  mkdirSync(dirname(path), { recursive: true });
  const temporary = `${path}.tmp-${process.pid}`;
  const fd = openSync(temporary, "w");
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(temporary, path);
  const folder = openSync(dirname(path), "r");
  try {
    fsyncSync(folder);
  } finally {
    closeSync(folder);
  }
}

/** writeFileAtomically through the thread pool: the same steps, without holding the main thread. */
export async function writeFileAtomicallyAsync(path: string, text: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const temporary = `${path}.tmp-${process.pid}`;
  const file = await open(temporary, "w");
  try {
    await file.writeFile(text);
    await file.sync();
  } finally {
    await file.close();
  }
  await rename(temporary, path);
  const folder = await open(dirname(path), "r");
  try {
    await folder.sync();
  } finally {
    await folder.close();
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
