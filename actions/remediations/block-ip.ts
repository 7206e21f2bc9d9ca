import { isIP } from "node:net";
import { z } from "zod";
import { InputError } from "../../runtime/errors.js";
import { defineRemediation, type RemoteStep, shellScript } from "./define-remediation.js";
import { commandTemplate, durationText, expandTemplate, ipAddress } from "./param-types.js";

/**
 * Blocks an address on every server of the group for a while.
 * - nftables: an element of a set with a timeout in the `inet vigil` table
 *   (created on first use: table, sets blocked_v4/blocked_v6, an input chain
 *   dropping both); the kernel itself forgets the element at expiry.
 * - command: your argv templates ({ip}, {seconds}); the expiry is a detached
 *   timer left on the server that runs the undo template.
 * unblock-ip removes it at once.
 */
const NFT_ENSURE = `set -eu
nft=$1; table=$2
"$nft" add table inet "$table"
"$nft" add set inet "$table" blocked_v4 '{ type ipv4_addr; flags timeout; }'
"$nft" add set inet "$table" blocked_v6 '{ type ipv6_addr; flags timeout; }'
"$nft" add chain inet "$table" input '{ type filter hook input priority -10; policy accept; }'
rules=$("$nft" list chain inet "$table" input)
case "$rules" in *@blocked_v4*) ;; *) "$nft" add rule inet "$table" input ip saddr @blocked_v4 drop ;; esac
case "$rules" in *@blocked_v6*) ;; *) "$nft" add rule inet "$table" input ip6 saddr @blocked_v6 drop ;; esac`;

const NFT_DELETE = `nft=$1; table=$2; set=$3; ip=$4
if "$nft" delete element inet "$table" "$set" "{ $ip }" 2>/dev/null; then echo "unblocked: $ip"; else echo "unchanged: $ip was not blocked"; fi`;

/** Runs the undo argv after SECONDS, detached from the SSH session (setsid, no open pipes). */
const EXPIRE_LATER = `set -eu
seconds=$1; shift
setsid sh -c 'sleep "$1"; shift; "$@"' vigil-expire "$seconds" "$@" </dev/null >/dev/null 2>&1 &
echo "expires in $seconds s"`;

const Params = z
  .object({
    ip: ipAddress.describe("the address to block"),
    expiry: durationText.default(86400).describe("how long the block holds: 90s, 30m, 24h, 7d"),
    preset: z.enum(["nftables", "command"]).default("nftables").describe("how the server blocks"),
    nft: z.string().default("nft").describe("nftables: the nft program"),
    table: z
      .string()
      .regex(/^[a-z][a-z0-9_]*$/)
      .default("vigil")
      .describe("nftables: the inet table Vigil owns"),
    command: commandTemplate.optional().describe("command: argv template that blocks {ip} (for {seconds})"),
    undoCommand: commandTemplate.optional().describe("command: argv template that unblocks {ip}"),
  })
  .strict();
type BlockParams = z.infer<typeof Params>;

const setFor = (ip: string) => (isIP(ip) === 6 ? "blocked_v6" : "blocked_v4");

function blockSteps(p: BlockParams): RemoteStep[] {
  if (p.preset === "nftables") {
    return [
      shellScript(
        "vigil-nft-ensure",
        NFT_ENSURE,
        [p.nft, p.table],
        `create table inet ${p.table} with its sets and drop rules if missing`,
      ),
      // Deleting first makes a repeated block restart its expiry rather than fail on an existing element.
      shellScript(
        "vigil-nft-unblock",
        NFT_DELETE,
        [p.nft, p.table, setFor(p.ip), p.ip],
        `drop an earlier block of ${p.ip}`,
      ),
      {
        argv: [p.nft, "add", "element", "inet", p.table, setFor(p.ip), `{ ${p.ip} timeout ${p.expiry}s }`],
        describe: `block ${p.ip} for ${p.expiry} s`,
      },
    ];
  }
  const values = { ip: p.ip, seconds: String(p.expiry) };
  if (p.command === undefined || p.undoCommand === undefined) {
    throw new InputError(
      "the command preset needs --command and --undo-command",
      "give argv templates such as: iptables -I INPUT -s {ip} -j DROP",
    );
  }
  return [
    { argv: expandTemplate(p.command, values), describe: `block ${p.ip} with your command` },
    shellScript(
      "vigil-expire",
      EXPIRE_LATER,
      [String(p.expiry), ...expandTemplate(p.undoCommand, values)],
      `unblock ${p.ip} after ${p.expiry} s`,
    ),
  ];
}

function unblockSteps(p: BlockParams): RemoteStep[] {
  if (p.preset === "nftables") {
    return [shellScript("vigil-nft-unblock", NFT_DELETE, [p.nft, p.table, setFor(p.ip), p.ip], `unblock ${p.ip}`)];
  }
  if (p.undoCommand === undefined) throw new InputError("unblocking with the command preset needs --undo-command");
  return [
    {
      argv: expandTemplate(p.undoCommand, { ip: p.ip, seconds: String(p.expiry) }),
      describe: `unblock ${p.ip} with your command`,
    },
  ];
}

export const blockIp = defineRemediation({
  id: "block-ip",
  summary: "block an address on every server of the group, for a while (nftables set with timeout, or your command)",
  params: Params,
  positional: ["ip"],
  subject: { param: "ip", kind: "ip" },
  apply: blockSteps,
  revert: { verb: "unblock-ip", summary: "lift the block at once", steps: unblockSteps },
  examples: ["vigil actions block-ip 203.0.113.7 -g mail --expiry 24h", "vigil actions unblock-ip 203.0.113.7 -g mail"],
});
