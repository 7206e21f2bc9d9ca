import { readFileSync } from "node:fs";

/**
 * An instance of one of the parse worker's WebAssembly modules (AssemblyScript under
 * processors/parse-worker/assembly/, compiled by `npm run build` next to this file's output). Each
 * module is compiled once per thread; every call makes an instance with memory of its own.
 */
export function instantiateWasm<Exports>(file: string): Exports {
  let compiled = compiledModules.get(file);
  if (compiled === undefined) {
    const path = new URL(`./assembly/${file}`, import.meta.url);
    let bytes: Buffer;
    try {
      bytes = readFileSync(path);
    } catch (error) {
      throw new Error(`loading the WebAssembly module ${path.pathname}: ${String(error)}; run \`npm run build\``);
    }
    compiled = new WebAssembly.Module(bytes);
    compiledModules.set(file, compiled);
  }
  const instance = new WebAssembly.Instance(compiled, {
    env: {
      abort() {
        throw new Error(`the WebAssembly module ${file} aborted`);
      },
    },
  });
  return instance.exports as Exports;
}

const compiledModules = new Map<string, object>();

/** The part of WebAssembly's JavaScript interface used here (the compiler's ES2023 library does not declare it). */
declare const WebAssembly: {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: unknown };
};
