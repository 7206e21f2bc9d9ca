/**
 * A dotted-quad IPv4 address as an unsigned 32-bit number, or -1 when the
 * string is anything else (IPv6, a host name, a leading zero that would make
 * two spellings of one address). Canonical addresses round-trip.
 */
export function ipv4Number(ip: string): number {
  const length = ip.length;
  if (length < 7 || length > 15) return -1;
  let value = 0;
  let octet = 0;
  let digits = 0;
  let dots = 0;
  for (let index = 0; index < length; index++) {
    const code = ip.charCodeAt(index);
    if (code === 46) {
      if (digits === 0 || dots === 3) return -1;
      value = value * 256 + octet;
      octet = 0;
      digits = 0;
      dots += 1;
    } else if (code >= 48 && code <= 57) {
      if (digits > 0 && octet === 0) return -1;
      octet = octet * 10 + (code - 48);
      digits += 1;
      if (octet > 255) return -1;
    } else {
      return -1;
    }
  }
  if (dots !== 3 || digits === 0) return -1;
  return value * 256 + octet;
}

/** The dotted quad of a 32-bit number: `ipv4Number` in reverse (canonical addresses round-trip). */
export function ipv4Text(address: number): string {
  return `${Math.floor(address / 16777216)}.${Math.floor(address / 65536) % 256}.${Math.floor(address / 256) % 256}.${address % 256}`;
}
