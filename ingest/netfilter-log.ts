import { canonicalIp } from "../processors/parse/canonical-ip.js";

/**
 * A netfilter LOG line with Vigil's prefix, as the kernel log carries it:
 *   ... kernel: [1234.5678] vigil-egress: IN= OUT=eth0 SRC=10.0.0.2 DST=203.0.113.80 ... PROTO=TCP SPT=43210 DPT=80 ... UID=33 GID=33
 * from the rule
 *   nft add rule inet filter output ct state new tcp flags syn log prefix "vigil-egress: " flags skuid
 * (or iptables -A OUTPUT -p tcp --syn -m conntrack --ctstate NEW -j LOG --log-prefix "vigil-egress: " --log-uid),
 * which catches connections too short for a socket sample.
 */
export const NETFILTER_PREFIX = "vigil-egress: ";

export type NetfilterConnection = {
  src: string;
  srcPort: number;
  dst: string;
  dstPort: number;
  uid: number;
  protocol: string;
};

export function parseNetfilterLine(line: string): NetfilterConnection | { unparsed: string } | null {
  const at = line.indexOf(NETFILTER_PREFIX);
  if (at < 0) return null;
  const fields = new Map<string, string>();
  for (const pair of line.slice(at + NETFILTER_PREFIX.length).split(" ")) {
    const equals = pair.indexOf("=");
    if (equals > 0) fields.set(pair.slice(0, equals), pair.slice(equals + 1));
  }
  const src = canonicalIp(fields.get("SRC") ?? "");
  const dst = canonicalIp(fields.get("DST") ?? "");
  const dstPort = Number(fields.get("DPT"));
  if (src === null || dst === null || !Number.isInteger(dstPort))
    return { unparsed: "a vigil-egress line without SRC, DST and DPT" };
  return {
    src,
    srcPort: Number(fields.get("SPT") ?? -1),
    dst,
    dstPort,
    uid: fields.has("UID") ? Number(fields.get("UID")) : -1,
    protocol: fields.get("PROTO") ?? "",
  };
}
