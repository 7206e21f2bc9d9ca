import { existsSync, readFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { Client, type ConnectConfig } from "ssh2";
import type { InventoryHost } from "./inventory.js";
import type { HostKeyChecker } from "./known-hosts.js";

/**
 * Runs one command line on one host over SSH (ssh2) and reports how it
 * ended. The command is text for the remote login shell: build it with
 * `quoteArgv`. Output streams to `onOutput` as it arrives; only the last
 * few KiB are kept for the summary and the audit, so a chatty command
 * cannot grow memory.
 */
export type RemoteStatus = "ok" | "failed" | "timeout" | "unreachable" | "refused";

export type RemoteResult = {
  host: string;
  status: RemoteStatus;
  exitCode: number | null;
  durationMs: number;
  /** Why a host was not reached or refused, or how the command ended when not by exit code. */
  message?: string;
  output: string;
};

export type RemoteCommandOptions = {
  host: InventoryHost;
  command: string;
  hostKeys: HostKeyChecker;
  /** Whole command, connection included; 0 for none. */
  timeoutMs: number;
  connectTimeoutMs?: number;
  onOutput?(stream: "stdout" | "stderr", chunk: Buffer): void;
  /** Closes the connection (after asking the remote command to stop) when aborted. */
  signal?: AbortSignal;
};

const OUTPUT_EXCERPT_BYTES = 4096;

export function runRemoteCommand(options: RemoteCommandOptions): Promise<RemoteResult> {
  const { host, command, hostKeys } = options;
  const started = Date.now();
  return new Promise((resolve) => {
    const client = new Client();
    let excerpt = Buffer.alloc(0);
    let settled = false;
    let keyRefusal: string | null = null;
    let channel: { signal(name: string): void; close(): void } | null = null;
    const finish = (result: Omit<RemoteResult, "host" | "durationMs" | "output">) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      options.signal?.removeEventListener("abort", onAbort);
      client.end();
      resolve({ host: host.name, durationMs: Date.now() - started, output: excerpt.toString("utf8"), ...result });
    };
    const stopRemote = (status: RemoteStatus, message: string) => {
      try {
        channel?.signal("TERM");
      } catch {
        // the channel may already be gone
      }
      finish({ status, exitCode: null, message });
    };
    const timer =
      options.timeoutMs > 0
        ? setTimeout(() => stopRemote("timeout", `no result within ${options.timeoutMs / 1000} s`), options.timeoutMs)
        : undefined;
    const onAbort = () => stopRemote("failed", "stopped by request");
    options.signal?.addEventListener("abort", onAbort, { once: true });
    const keep = (chunk: Buffer) => {
      excerpt = Buffer.concat([excerpt, chunk]);
      if (excerpt.length > OUTPUT_EXCERPT_BYTES) excerpt = excerpt.subarray(excerpt.length - OUTPUT_EXCERPT_BYTES);
    };

    client.on("ready", () => {
      client.exec(command, (error, stream) => {
        if (error) {
          finish({ status: "failed", exitCode: null, message: `cannot start the command: ${error.message}` });
          return;
        }
        channel = stream;
        let exitCode: number | null = null;
        let exitSignal: string | null = null;
        stream.on("exit", (code: number | null, signalName?: string) => {
          exitCode = code;
          exitSignal = signalName ?? null;
        });
        stream.on("data", (chunk: Buffer) => {
          keep(chunk);
          options.onOutput?.("stdout", chunk);
        });
        stream.stderr.on("data", (chunk: Buffer) => {
          keep(chunk);
          options.onOutput?.("stderr", chunk);
        });
        stream.on("close", () => {
          if (exitCode === 0) finish({ status: "ok", exitCode });
          else if (exitCode !== null) finish({ status: "failed", exitCode });
          else
            finish({
              status: "failed",
              exitCode: null,
              message:
                exitSignal === null ? "the connection closed before the command ended" : `killed by ${exitSignal}`,
            });
        });
      });
    });
    client.on("error", (error: Error & { level?: string }) => {
      if (keyRefusal !== null) finish({ status: "refused", exitCode: null, message: keyRefusal });
      else if (error.level === "client-authentication")
        finish({
          status: "refused",
          exitCode: null,
          message: `authentication as ${host.user} failed: check ansible_user and ansible_ssh_private_key_file for ${host.name}`,
        });
      else finish({ status: "unreachable", exitCode: null, message: `${error.message}` });
    });
    client.on("close", () => finish({ status: "unreachable", exitCode: null, message: "the connection closed" }));

    const knownTypes = hostKeys.knownTypes(host.address, host.port);
    const config: ConnectConfig = {
      host: host.address,
      port: host.port,
      username: host.user,
      readyTimeout: options.connectTimeoutMs ?? 10_000,
      keepaliveInterval: 5_000,
      keepaliveCountMax: 3,
      hostVerifier: (key: Buffer) => {
        const verdict = hostKeys.verify(host.address, host.port, key);
        if (!verdict.ok) keyRefusal = `host key refused: ${verdict.message}`;
        return verdict.ok;
      },
      ...identity(host),
    };
    if (knownTypes.length > 0) config.algorithms = { serverHostKey: serverHostKeyAlgorithms(knownTypes) };
    try {
      client.connect(config);
    } catch (error) {
      finish({
        status: "unreachable",
        exitCode: null,
        message: error instanceof Error ? error.message : String(error),
      });
    }
  });
}

function identity(host: InventoryHost): Pick<ConnectConfig, "privateKey" | "agent"> {
  if (host.keyFile !== undefined) return { privateKey: readFileSync(host.keyFile) };
  const fallback = ["id_ed25519", "id_ecdsa", "id_rsa"]
    .map((name) => join(homedir(), ".ssh", name))
    .find((path) => existsSync(path));
  return {
    ...(process.env.SSH_AUTH_SOCK === undefined ? {} : { agent: process.env.SSH_AUTH_SOCK }),
    ...(fallback === undefined ? {} : { privateKey: readFileSync(fallback) }),
  };
}

type HostKeyAlgorithm = NonNullable<NonNullable<ConnectConfig["algorithms"]>["serverHostKey"]>;

function serverHostKeyAlgorithms(types: string[]): HostKeyAlgorithm {
  const algorithms = types.flatMap((type) =>
    type === "ssh-rsa" ? ["rsa-sha2-512", "rsa-sha2-256", "ssh-rsa"] : [type],
  );
  return algorithms as unknown as HostKeyAlgorithm;
}
