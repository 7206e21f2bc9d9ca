import { BlockList, isIPv6 } from "node:net";
import { ConfigError } from "./errors.js";

/**
 * A list of networks (`192.0.2.0/24`, `2001:db8::/32`, or single addresses)
 * that answers whether an address lies in one of them. A bad entry is refused
 * naming where it was configured (`key[index]`).
 */
export type NetworkList = { has(ip: string): boolean };

export function createNetworkList(cidrs: readonly string[], key: string): NetworkList {
  const list = new BlockList();
  cidrs.forEach((cidr, index) => {
    const [address, prefixText] = cidr.split("/");
    const type = address !== undefined && isIPv6(address) ? "ipv6" : "ipv4";
    const prefix = Number(prefixText ?? (type === "ipv6" ? 128 : 32));
    try {
      list.addSubnet(address ?? "", prefix, type);
    } catch {
      throw new ConfigError(
        `${key}[${index}]`,
        `"${cidr}" is not a network`,
        "write an address and prefix length, such as 192.0.2.0/24 or 2001:db8::/32",
      );
    }
  });
  return {
    has(ip) {
      try {
        return list.check(ip, isIPv6(ip) ? "ipv6" : "ipv4");
      } catch {
        return false;
      }
    },
  };
}
