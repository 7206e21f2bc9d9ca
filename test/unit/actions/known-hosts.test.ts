import { createHmac } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { createHostKeyChecker, keyType } from "../../../actions/known-hosts.js";
import { tempDir } from "../../helpers/vigil-cli.js";

/** A key blob as sshd sends it: string type, then key material. */
function blob(type: string, material: string): Buffer {
  const typeBytes = Buffer.from(type);
  const length = Buffer.alloc(4);
  length.writeUInt32BE(typeBytes.length);
  return Buffer.concat([length, typeBytes, Buffer.from(material)]);
}

const keyA = blob("ssh-ed25519", "key-a");
const keyB = blob("ssh-ed25519", "key-b");

function hashed(name: string): string {
  const salt = Buffer.from("0123456789abcdefghij");
  return `|1|${salt.toString("base64")}|${createHmac("sha1", salt).update(name).digest("base64")}`;
}

describe("known_hosts checking", () => {
  test("plain, [host]:port, hashed, wildcard and negated entries", () => {
    const dir = tempDir("known-hosts");
    const path = join(dir, "known_hosts");
    writeFileSync(
      path,
      [
        `# comment`,
        `web-1.example.com,10.0.0.11 ssh-ed25519 ${keyA.toString("base64")}`,
        `[10.0.0.12]:2222 ssh-ed25519 ${keyA.toString("base64")}`,
        `${hashed("10.0.0.13")} ssh-ed25519 ${keyA.toString("base64")}`,
        `10.0.1.*,!10.0.1.66 ssh-ed25519 ${keyA.toString("base64")}`,
        `@revoked 10.0.0.14 ssh-ed25519 ${keyB.toString("base64")}`,
        `10.0.0.14 ssh-ed25519 ${keyB.toString("base64")}`,
      ].join("\n"),
    );
    const checker = createHostKeyChecker({ path, acceptNew: false });
    expect(checker.verify("10.0.0.11", 22, keyA)).toEqual({ ok: true });
    expect(checker.verify("10.0.0.12", 2222, keyA)).toEqual({ ok: true });
    expect(checker.verify("10.0.0.12", 22, keyA)).toMatchObject({ ok: false, reason: "unknown" });
    expect(checker.verify("10.0.0.13", 22, keyA)).toEqual({ ok: true });
    expect(checker.verify("10.0.1.7", 22, keyA)).toEqual({ ok: true });
    expect(checker.verify("10.0.1.66", 22, keyA)).toMatchObject({ ok: false, reason: "unknown" });
    expect(checker.verify("10.0.0.11", 22, keyB)).toMatchObject({ ok: false, reason: "changed" });
    expect(checker.verify("10.0.0.14", 22, keyB)).toMatchObject({ ok: false, reason: "revoked" });
    expect(checker.knownTypes("10.0.0.11", 22)).toEqual(["ssh-ed25519"]);
    expect(keyType(keyA)).toBe("ssh-ed25519");
  });

  test("accept-new records an unknown host once, and still refuses a changed key", () => {
    const dir = tempDir("known-hosts");
    const path = join(dir, "sub", "known_hosts");
    const checker = createHostKeyChecker({ path, acceptNew: true });
    expect(checker.verify("10.0.0.20", 2200, keyA)).toEqual({ ok: true, added: true });
    expect(readFileSync(path, "utf8")).toBe(`[10.0.0.20]:2200 ssh-ed25519 ${keyA.toString("base64")}\n`);
    expect(checker.verify("10.0.0.20", 2200, keyA)).toEqual({ ok: true });
    const changed = checker.verify("10.0.0.20", 2200, keyB);
    expect(changed).toMatchObject({ ok: false, reason: "changed" });
    expect(changed.ok ? "" : changed.message).toContain("ssh-keygen -R '[10.0.0.20]:2200'");
  });
});
