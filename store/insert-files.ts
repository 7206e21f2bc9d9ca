import { closeSync, mkdirSync, openSync, readdirSync, rmSync, writeSync } from "node:fs";
import { join } from "node:path";

/**
 * Files that hold rows on their way into chDB (`INSERT ... FROM INFILE`), in
 * one folder beside the store: each lives only while its insert runs. Files
 * left by a process that died (between writing and removing) are removed
 * when the next process opens the folder.
 */
export class InsertFiles {
  private sequence = 0;

  constructor(private readonly folder: string) {
    mkdirSync(folder, { recursive: true });
    for (const name of readdirSync(folder)) {
      const pid = Number(name.split(/[-.]/)[0]);
      if (pid !== process.pid && !(Number.isInteger(pid) && isRunning(pid)))
        rmSync(join(folder, name), { force: true });
    }
  }

  /**
   * Writes `parts` one after the other to a new file (never joined in memory first), runs `insert` with
   * its path, and removes the file whatever happens. The file is written at once (into the page cache:
   * milliseconds), so the insert has started when this returns its promise, and the caller's thread can
   * work while the store inserts.
   */
  async with<T>(parts: readonly Uint8Array[], insert: (path: string) => Promise<T>): Promise<T> {
    const path = join(this.folder, `${process.pid}-${this.sequence++}`);
    try {
      writeParts(path, parts);
    } catch (error) {
      rmSync(path, { force: true });
      throw error;
    }
    try {
      return await insert(path);
    } finally {
      rmSync(path, { force: true });
    }
  }
}

function writeParts(path: string, parts: readonly Uint8Array[]): void {
  const fd = openSync(path, "w");
  try {
    for (const part of parts) {
      for (let written = 0; written < part.length; ) written += writeSync(fd, part, written, part.length - written);
    }
  } finally {
    closeSync(fd);
  }
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}
