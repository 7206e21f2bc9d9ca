import { isIPv4, isIPv6 } from "node:net";

/**
 * The canonical form of a client address as logs write it, or null when it is
 * none: brackets and a `:port` after them are dropped, an IPv4-mapped IPv6
 * address becomes the IPv4 address (`[::ffff:192.0.2.7]` -> `192.0.2.7`), and
 * IPv6 is written as RFC 5952 says (lower case, longest zero run as `::`).
 * IPv4 with a leading zero in an octet (`192.0.2.07`) is refused: some tools
 * read it as octal, so it names no address for certain.
 */
export function canonicalIp(raw: string): string | null {
  if (isPlainIpv4(raw)) return raw;
  let text = raw.trim();
  if (text.startsWith("[")) {
    const close = text.indexOf("]");
    if (close < 0) return null;
    text = text.slice(1, close);
  }
  if (isIPv4(text)) return text;
  const zone = text.indexOf("%");
  if (zone >= 0) text = text.slice(0, zone);
  if (!isIPv6(text)) return null;
  const groups = expand(text.toLowerCase());
  if (groups === null) return null;
  if (groups.slice(0, 5).every((group) => group === 0) && groups[5] === 0xffff) {
    const high = groups[6] ?? 0;
    const low = groups[7] ?? 0;
    return `${high >> 8}.${high & 0xff}.${low >> 8}.${low & 0xff}`;
  }
  return compressIpv6(groups);
}

function compressIpv6(groups: number[]): string {
  let bestStart = -1;
  let bestLength = 1;
  for (let index = 0; index < 8; ) {
    if (groups[index] !== 0) {
      index += 1;
      continue;
    }
    let end = index;
    while (end < 8 && groups[end] === 0) end += 1;
    if (end - index > bestLength) {
      bestStart = index;
      bestLength = end - index;
    }
    index = end;
  }
  const hex = groups.map((group) => group.toString(16));
  if (bestStart < 0) return hex.join(":");
  return `${hex.slice(0, bestStart).join(":")}::${hex.slice(bestStart + bestLength).join(":")}`;
}

/** Eight 16-bit groups of a valid IPv6 text (an embedded IPv4 tail becomes two groups). */
function expand(text: string): number[] | null {
  let body = text;
  const tail: number[] = [];
  const lastColon = body.lastIndexOf(":");
  if (body.includes(".", lastColon)) {
    const octets = body
      .slice(lastColon + 1)
      .split(".")
      .map(Number);
    if (octets.length !== 4) return null;
    tail.push(((octets[0] ?? 0) << 8) | (octets[1] ?? 0), ((octets[2] ?? 0) << 8) | (octets[3] ?? 0));
    body = `${body.slice(0, lastColon + 1)}0`;
    body = body.slice(0, -1).endsWith("::") ? body.slice(0, -1) : body.slice(0, -2);
  }
  const [head = "", rest] = body.split("::");
  const parse = (part: string) => (part === "" ? [] : part.split(":").map((group) => Number.parseInt(group, 16)));
  const front = parse(head);
  const back = rest === undefined ? [] : parse(rest);
  const missing = 8 - tail.length - front.length - back.length;
  if (missing < 0 || (rest === undefined && missing !== 0)) return null;
  return [...front, ...new Array<number>(missing).fill(0), ...back, ...tail];
}

/** Hot path: a dotted quad of octets 0-255 without leading zeros, checked without a regular expression. */
function isPlainIpv4(text: string): boolean {
  let dots = 0;
  let digits = 0;
  let octet = 0;
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index);
    if (code === 46) {
      if (digits === 0) return false;
      dots += 1;
      digits = 0;
      octet = 0;
    } else if (code >= 48 && code <= 57) {
      if (digits > 0 && octet === 0) return false;
      octet = octet * 10 + code - 48;
      digits += 1;
      if (octet > 255) return false;
    } else return false;
  }
  return dots === 3 && digits > 0;
}
