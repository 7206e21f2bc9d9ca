import { z } from "zod";
import { InputError } from "../../runtime/errors.js";
import { defineRemediation, type RemoteStep, shellScript } from "./define-remediation.js";
import { absolutePath, accountName, commandTemplate, expandTemplate, oneLine } from "./param-types.js";

/**
 * Stops a mail account from logging in, with the mechanism the server uses:
 * - postfix-sasl: a `check_sasl_access` map (USER REJECT reason), rebuilt
 *   with postmap; Postfix refuses to relay for that SASL login.
 * - dovecot-deny: a deny passdb (passwd-file, one user per line); Dovecot
 *   refuses IMAP/POP3/submission logins.
 * - passwd: `passwd -l` for system accounts.
 * - command: your own argv template, {user} and {reason} filled in.
 * Files are rewritten by rename and keep every other line; locking twice
 * leaves one line. unlock-account undoes it.
 */
const MAP_LOCK = `set -eu
f=$1; user=$2; line=$3; rebuild=$4
[ -d "$(dirname "$f")" ] || { echo "vigil: the folder of $f does not exist on this server: is the mail server installed here, or is the file elsewhere (set it per host in the inventory)?" >&2; exit 3; }
[ -e "$f" ] || : > "$f"
tmp="$f.vigil-tmp.$$"
trap 'rm -f "$tmp"' EXIT
cp -p "$f" "$tmp"
VIGIL_USER="$user" awk -F '[ \\t:]' '$1 != ENVIRON["VIGIL_USER"] { print }' "$f" > "$tmp"
printf '%s\\n' "$line" >> "$tmp"
if cmp -s "$tmp" "$f"; then echo "unchanged: $user already locked in $f"; else mv -f "$tmp" "$f"; echo "locked: $user in $f"; fi
if [ -n "$rebuild" ]; then "$rebuild" "hash:$f"; fi`;

const MAP_UNLOCK = `set -eu
f=$1; user=$2; rebuild=$3
[ -e "$f" ] || { echo "unchanged: $f does not exist"; exit 0; }
tmp="$f.vigil-tmp.$$"
trap 'rm -f "$tmp"' EXIT
cp -p "$f" "$tmp"
VIGIL_USER="$user" awk -F '[ \\t:]' '$1 != ENVIRON["VIGIL_USER"] { print }' "$f" > "$tmp"
if cmp -s "$tmp" "$f"; then echo "unchanged: $user was not locked in $f"; else mv -f "$tmp" "$f"; echo "unlocked: $user in $f"; fi
if [ -n "$rebuild" ]; then "$rebuild" "hash:$f"; fi`;

const Params = z
  .object({
    user: accountName.describe("the login name, as the mail server knows it"),
    preset: z
      .enum(["postfix-sasl", "dovecot-deny", "passwd", "command"])
      .default("dovecot-deny")
      .describe("how the server is told"),
    reason: oneLine
      .default("account locked by Vigil: logins from too many networks")
      .describe("told to the client (postfix-sasl)"),
    saslAccessMap: absolutePath.default("/etc/postfix/sasl_access").describe("postfix-sasl: the check_sasl_access map"),
    postmap: z.string().default("postmap").describe("postfix-sasl: the program that rebuilds the map (empty: none)"),
    denyFile: absolutePath.default("/etc/dovecot/deny-users").describe("dovecot-deny: the deny passdb file"),
    command: commandTemplate.optional().describe("command: argv template that locks {user}"),
    undoCommand: commandTemplate.optional().describe("command: argv template that unlocks {user}"),
  })
  .strict();
type LockParams = z.infer<typeof Params>;

function requireFileSafe(p: LockParams, what: string, forbidden: RegExp) {
  if (forbidden.test(p.user)) {
    throw new InputError(
      `the user name ${JSON.stringify(p.user)} cannot be written to a ${what}: it holds ${forbidden.source}`,
      "use the passwd or command preset, or check the alert: mail servers do not accept such login names",
    );
  }
}

function lockSteps(p: LockParams): RemoteStep[] {
  switch (p.preset) {
    case "postfix-sasl":
      requireFileSafe(p, "check_sasl_access map", /[\s:]/);
      return [
        shellScript(
          "vigil-lock-account",
          MAP_LOCK,
          [p.saslAccessMap, p.user, `${p.user} REJECT ${p.reason}`, p.postmap],
          `add ${p.user} REJECT to ${p.saslAccessMap} and rebuild it`,
        ),
      ];
    case "dovecot-deny":
      requireFileSafe(p, "Dovecot passwd-file", /[\s:]/);
      return [
        shellScript("vigil-lock-account", MAP_LOCK, [p.denyFile, p.user, p.user, ""], `add ${p.user} to ${p.denyFile}`),
      ];
    case "passwd":
      return [{ argv: ["passwd", "-l", "--", p.user], describe: `lock the password of ${p.user}` }];
    case "command":
      if (p.command === undefined)
        throw new InputError(
          "the command preset needs --command",
          "give an argv template such as: /usr/local/sbin/mail-lock {user}",
        );
      return [
        {
          argv: expandTemplate(p.command, { user: p.user, reason: p.reason }),
          describe: `lock ${p.user} with your command`,
        },
      ];
  }
}

function unlockSteps(p: LockParams): RemoteStep[] {
  switch (p.preset) {
    case "postfix-sasl":
      requireFileSafe(p, "check_sasl_access map", /[\s:]/);
      return [
        shellScript(
          "vigil-unlock-account",
          MAP_UNLOCK,
          [p.saslAccessMap, p.user, p.postmap],
          `remove ${p.user} from ${p.saslAccessMap} and rebuild it`,
        ),
      ];
    case "dovecot-deny":
      requireFileSafe(p, "Dovecot passwd-file", /[\s:]/);
      return [
        shellScript(
          "vigil-unlock-account",
          MAP_UNLOCK,
          [p.denyFile, p.user, ""],
          `remove ${p.user} from ${p.denyFile}`,
        ),
      ];
    case "passwd":
      return [{ argv: ["passwd", "-u", "--", p.user], describe: `unlock the password of ${p.user}` }];
    case "command":
      if (p.undoCommand === undefined)
        throw new InputError(
          "unlocking with the command preset needs --undo-command",
          "give an argv template such as: /usr/local/sbin/mail-unlock {user}",
        );
      return [
        {
          argv: expandTemplate(p.undoCommand, { user: p.user, reason: p.reason }),
          describe: `unlock ${p.user} with your command`,
        },
      ];
  }
}

export const lockAccount = defineRemediation({
  id: "lock-account",
  summary:
    "stop a mail account from logging in (Postfix check_sasl_access, Dovecot deny passdb, passwd -l, or your command)",
  params: Params,
  positional: ["user"],
  subject: { param: "user", kind: "user" },
  apply: lockSteps,
  revert: { verb: "unlock-account", summary: "let the account log in again", steps: unlockSteps },
  examples: [
    "vigil actions lock-account ann@example.com -g mail --preset dovecot-deny",
    "vigil actions lock-account ann@example.com -g mail --preset postfix-sasl",
    "vigil actions unlock-account ann@example.com -g mail --preset dovecot-deny",
  ],
});
