import { setFlagsFromString } from "node:v8";
import { NODE_HEAP_FLAGS } from "./node-heap-flags.js";

/**
 * Imported first by the executable: the heap sizes of `node-heap-flags.ts`,
 * for a process started without them on its command line.
 */
for (const flag of NODE_HEAP_FLAGS) setFlagsFromString(flag);
