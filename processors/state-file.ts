import { readFileSync } from "node:fs";
import { mkdir, open, rename, rm } from "node:fs/promises";
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

/** Saves the state file; the writing and syncing run off the main thread (a large state: work goes on meanwhile). */
export async function saveStateFile(path: string, state: PipelineState): Promise<void> {
  await writeFileAtomically(path, stateFileText(state));
}

/**
 * The state file's text (JSON; for a large state, tens of megabytes and a tenth of a second): made while
 * the thread would otherwise wait, and written with `writeFileAtomically` once the rows it depends on are stored.
 */
export function stateFileText(state: PipelineState): string {
  return JSON.stringify(state);
}

/** The write in progress per path: writes to one file run one after the other, in the order asked. */
const writing = new Map<string, Promise<void>>();

/**
 * Replaces a file so that a crash leaves the old or the new content, never a mix (write, fsync, rename,
 * fsync the folder), off the main thread. Writes of one path are serialised (several tailers may save at
 * once), so the last asked is the one that stays.
 */
export function writeFileAtomically(path: string, text: string): Promise<void> {
  return prepareFileReplacement(path, text).commit();
}

/** A file's new content written and synced beside it, put in its place by `commit` or dropped by `abandon`. */
export type PreparedReplacement = { commit(): Promise<void>; abandon(): Promise<void> };

/**
 * Starts replacing a file at once: the new content is written to a temporary file and synced (off the
 * main thread) while the caller goes on, and takes the file's place only at `commit` (rename, fsync the
 * folder). A state file is prepared while the store inserts the rows it depends on and committed once
 * the store acknowledged them (the end of an import: about 0.1 s less). One of `commit` or `abandon`
 * must be called: later writes of the same path wait for it.
 */
export function prepareFileReplacement(path: string, text: string): PreparedReplacement {
  let decide: (commit: boolean) => void = () => undefined;
  const decision = new Promise<boolean>((resolve) => {
    decide = resolve;
  });
  const previous = writing.get(path) ?? Promise.resolve();
  const next = previous
    .catch(() => undefined)
    .then(async () => {
      const temporary = await writeTemporary(path, text).catch(async (error: unknown) => {
        await decision; // the path stays taken until the caller decided
        throw error;
      });
      if (await decision) await moveIntoPlace(temporary, path);
      else await rm(temporary, { force: true });
    });
  writing.set(path, next);
  const forget = () => {
    if (writing.get(path) === next) writing.delete(path);
  };
  next.then(forget, forget);
  next.catch(() => undefined); // surfaced by `commit`
  return {
    commit() {
      decide(true);
      return next;
    },
    abandon() {
      decide(false);
      return next.catch(() => undefined);
    },
  };
}

/** Writes and syncs the text to a temporary file beside `path`; returns its path. */
async function writeTemporary(path: string, text: string): Promise<string> {
  await mkdir(dirname(path), { recursive: true });
  const temporary = `${path}.tmp-${process.pid}`;
  const file = await open(temporary, "w");
  try {
    await file.writeFile(text);
    await file.sync();
  } finally {
    await file.close();
  }
  return temporary;
}

/** Renames the synced temporary file over `path` and syncs the folder (the rename is then durable). */
async function moveIntoPlace(temporary: string, path: string): Promise<void> {
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
