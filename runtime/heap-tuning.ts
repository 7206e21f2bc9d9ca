import { setFlagsFromString } from "node:v8";

/**
 * Imported first by the executable: a larger young generation (64 MiB
 * semi-spaces) keeps the short-lived strings of parsing and row encoding out
 * of the old generation. Measured on the 2 million line bench: the whole
 * pipeline 18.2 s -> 15 s.
 */
setFlagsFromString("--max-semi-space-size=64");
