import { homedir } from "node:os";
import { resolve } from "node:path";

/** A path as a shell would take it: ~ and ~/x under the home folder, others from the working folder. */
export function expandHome(path: string): string {
  return path === "~" || path.startsWith("~/") ? resolve(homedir(), path.slice(2)) : resolve(path);
}
