import { readFileSync } from "node:fs";
import { mkdir, open, readdir, rename, rm } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { z } from "zod";
import { VigilError } from "../runtime/errors.js";
import { decodeAccountState, type EncodedAccountState } from "./account-ips/account-state-binary.js";
import { type StateSnapshot, StateSnapshotSchema } from "./account-ips/state-snapshot.js";

/**
 * Checkpoints and processor state, replaced atomically. The state file
 * (`state.json`) holds the positions and names the file of the aggregation's
 * state beside it (`state.json.accounts-<id>.bin`, `encodeAccountState`),
 * which is written and synced first under a name of its own; the state file
 * then replaces the old one (temporary file, fsync, rename, fsync the
 * folder) and only after that are older state files beside it removed. A
 * crash at any point leaves either the old pair or the new one, never a mix.
 * Both describe the same moment: everything before the positions is folded
 * into the state, and the store acknowledged every row derived from it.
 *
 * Version 2 (2026-12-06). Version 1 kept the aggregation's state inline as a
 * JSON snapshot (0.2 s to make for 20,000 accounts, at every save); it is
 * still read.
 */
const Positions = z.array(
  z.object({ sourceId: z.string(), path: z.string(), inode: z.number(), offset: z.number().int().nonnegative() }),
);
const StateFileV1Schema = z
  .object({
    version: z.literal(1),
    savedAt: z.string(),
    positions: Positions,
    accountIps: StateSnapshotSchema.nullable(),
  })
  .strict();
const StateFileSchema = z
  .object({
    version: z.literal(2),
    savedAt: z.string(),
    positions: Positions,
    /** The file of the aggregation's state, beside this one, and its length in bytes; null: none. */
    accountIps: z.object({ file: z.string(), bytes: z.number().int().nonnegative() }).strict().nullable(),
  })
  .strict();
const AnyStateFileSchema = z.discriminatedUnion("version", [StateFileSchema, StateFileV1Schema]);

/** What a state file holds: positions, and the aggregation's state as its snapshot. */
export type PipelineState = {
  savedAt: string;
  positions: z.infer<typeof Positions>;
  accountIps: StateSnapshot | null;
};

export function loadStateFile(path: string): PipelineState | null {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw error;
  }
  const parsed = AnyStateFileSchema.safeParse(safeJson(text));
  if (!parsed.success) throw damaged(path, parsed.error.issues[0]?.message ?? "unreadable");
  const file = parsed.data;
  if (file.version === 1) return { savedAt: file.savedAt, positions: file.positions, accountIps: file.accountIps };
  return { savedAt: file.savedAt, positions: file.positions, accountIps: loadAccountState(path, file.accountIps) };
}

function loadAccountState(path: string, named: StateFile["accountIps"]): StateSnapshot | null {
  if (named === null) return null;
  const accountsPath = join(dirname(path), named.file);
  if (basename(named.file) !== named.file || !named.file.startsWith(`${basename(path)}.accounts-`))
    throw damaged(path, `it names ${named.file} as its aggregation state, not a file of its own beside it`);
  let bytes: Buffer;
  try {
    bytes = readFileSync(accountsPath);
  } catch (error) {
    throw damaged(path, `its aggregation state ${accountsPath} cannot be read: ${(error as Error).message}`);
  }
  if (bytes.length !== named.bytes)
    throw damaged(path, `its aggregation state ${accountsPath} has ${bytes.length} bytes, not ${named.bytes}`);
  try {
    return decodeAccountState(bytes);
  } catch (error) {
    throw damaged(path, `its aggregation state ${accountsPath}: ${(error as Error).message}`);
  }
}

function damaged(path: string, why: string): VigilError {
  return new VigilError(`the state file ${path} is damaged (${why})`, {
    code: "E_STATE",
    hint: `move it aside to start over from the beginning of every file (results are rewritten idempotently): mv ${path} ${path}.bad`,
  });
}

type StateFile = z.infer<typeof StateFileSchema>;

/** Saves a state file of positions only (a shipper's); the writing and syncing run off the main thread. */
export async function saveStateFile(path: string, state: Omit<PipelineState, "accountIps">): Promise<void> {
  await prepareStateReplacement(path, state, null).commit();
}

/**
 * Starts replacing the state file (see `prepareFileReplacement`): the aggregation's encoded state, when
 * given, is written and synced beside it at once, the state file naming it is prepared after it, and
 * both take effect at `commit`, once the store acknowledged the rows they depend on.
 */
export function prepareStateReplacement(
  path: string,
  state: Omit<PipelineState, "accountIps">,
  accounts: EncodedAccountState | null,
): PreparedReplacement {
  const accountsFile = accounts === null ? null : `${basename(path)}.accounts-${uniqueSuffix()}.bin`;
  const file: StateFile = {
    version: 2,
    savedAt: state.savedAt,
    positions: state.positions,
    accountIps: accounts === null || accountsFile === null ? null : { file: accountsFile, bytes: accounts.bytes },
  };
  return prepareFileReplacement(path, JSON.stringify(file), {
    ...(accounts === null || accountsFile === null
      ? {}
      : { companion: { path: join(dirname(path), accountsFile), parts: accounts.parts } }),
    staleCompanions: (name) => name.startsWith(`${basename(path)}.accounts-`) && name !== accountsFile,
  });
}

let replacements = 0;
function uniqueSuffix(): string {
  replacements += 1;
  return `${Date.now().toString(36)}-${process.pid}-${replacements}`;
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

/** Files replaced together with a file: one written before it under its own name, older ones removed after it. */
type Companions = {
  /** Written and synced (under its final name) before the file's temporary copy. */
  companion?: { path: string; parts: readonly Uint8Array[] };
  /** Names of files beside the file to remove once it is in place (older companions). */
  staleCompanions?: (name: string) => boolean;
};

/**
 * Starts replacing a file at once: the new content is written to a temporary file and synced (off the
 * main thread) while the caller goes on, and takes the file's place only at `commit` (rename, fsync the
 * folder). A state file is prepared while the store inserts the rows it depends on and committed once
 * the store acknowledged them (the end of an import: about 0.1 s less). One of `commit` or `abandon`
 * must be called: later writes of the same path wait for it.
 */
export function prepareFileReplacement(path: string, text: string, companions: Companions = {}): PreparedReplacement {
  let decide: (commit: boolean) => void = () => undefined;
  const decision = new Promise<boolean>((resolve) => {
    decide = resolve;
  });
  const { companion, staleCompanions } = companions;
  const previous = writing.get(path) ?? Promise.resolve();
  const next = previous
    .catch(() => undefined)
    .then(async () => {
      const written = (async () => {
        if (companion !== undefined) await writeSynced(companion.path, companion.parts);
        return writeTemporary(path, text);
      })();
      const temporary = await written.catch(async (error: unknown) => {
        await decision; // the path stays taken until the caller decided
        if (companion !== undefined) await rm(companion.path, { force: true });
        throw error;
      });
      if (await decision) {
        await moveIntoPlace(temporary, path);
        if (staleCompanions !== undefined) await removeBeside(path, staleCompanions);
      } else {
        await rm(temporary, { force: true });
        if (companion !== undefined) await rm(companion.path, { force: true });
      }
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

/** Removes the files beside `path` whose names `stale` picks (best effort: a leftover is removed next time). */
async function removeBeside(path: string, stale: (name: string) => boolean): Promise<void> {
  const names = await readdir(dirname(path)).catch(() => [] as string[]);
  await Promise.all(names.filter(stale).map((name) => rm(join(dirname(path), name), { force: true })));
}

/** Writes and syncs the text to a temporary file beside `path`; returns its path. */
async function writeTemporary(path: string, text: string): Promise<string> {
  await mkdir(dirname(path), { recursive: true });
  const temporary = `${path}.tmp-${process.pid}`;
  await writeSynced(temporary, [Buffer.from(text, "utf8")]);
  return temporary;
}

/** Writes the parts to a file, one after the other, and syncs it. */
async function writeSynced(path: string, parts: readonly Uint8Array[]): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const file = await open(path, "w");
  try {
    // writeFile goes on from the current position and writes all of a part, however the kernel splits it.
    for (const part of parts) if (part.byteLength > 0) await file.writeFile(part);
    await file.sync();
  } finally {
    await file.close();
  }
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
