/** The networks an address belongs to, as CIDR strings: IPv4 /24 and /16, IPv6 /48 and /32. */
export type AddressNetworks = {
  /** IPv4 /24 or IPv6 /48: what "distinct networks" counts. */
  network: string;
  /** IPv4 /16 or IPv6 /32: the wider net, to tell one provider's range from many. */
  network16: string;
};

/** Expects a canonical address (dotted quad, or compressed IPv6); anything else maps to itself as a /32-like key. */
export function networksOf(ip: string): AddressNetworks {
  if (ip.includes(":")) return ipv6Networks(ip);
  const first = ip.indexOf(".");
  const second = ip.indexOf(".", first + 1);
  const third = ip.indexOf(".", second + 1);
  if (first < 0 || second < 0 || third < 0) return { network: ip, network16: ip };
  return {
    network: `${ip.slice(0, third)}.0/24`,
    network16: `${ip.slice(0, second)}.0.0/16`,
  };
}

function ipv6Networks(ip: string): AddressNetworks {
  const groups = expandIpv6(ip);
  if (groups === null) return { network: ip, network16: ip };
  return {
    network: `${groups[0]}:${groups[1]}:${groups[2]}::/48`,
    network16: `${groups[0]}:${groups[1]}::/32`,
  };
}

/** Eight groups of an IPv6 address, without leading zeros; null when it is not one. */
export function expandIpv6(ip: string): string[] | null {
  const halves = ip.split("::");
  if (halves.length > 2) return null;
  const head = halves[0] === "" || halves[0] === undefined ? [] : halves[0].split(":");
  const tail = halves.length === 2 && halves[1] !== "" && halves[1] !== undefined ? halves[1].split(":") : [];
  const missing = 8 - head.length - tail.length;
  if (halves.length === 1 && missing !== 0) return null;
  if (missing < 0) return null;
  const groups = [...head, ...new Array<string>(missing).fill("0"), ...tail];
  return groups.map((group) => (group.replace(/^0+(?=.)/, "") || "0").toLowerCase());
}
