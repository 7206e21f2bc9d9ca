import { describe, expect, test } from "vitest";
import { loadAsnDatabase } from "../../../../processors/account-ips/asn-database.js";
import { networksOf } from "../../../../processors/account-ips/ip-networks.js";

describe("offline ASN database", () => {
  const database = loadAsnDatabase();

  test("finds the autonomous system and country of well-known addresses", () => {
    expect(database.lookup("1.1.1.1")).toMatchObject({ asn: 13335, country: "AU" });
    expect(database.lookup("8.8.8.8").asn).toBe(15169);
    expect(database.lookup("2001:4860:4860::8888").asn).toBe(15169);
  });

  test("private, reserved and malformed addresses are unknown, not an error", () => {
    expect(database.lookup("10.1.2.3")).toEqual({ asn: 0, asName: "", country: "" });
    expect(database.lookup("not-an-ip")).toEqual({ asn: 0, asName: "", country: "" });
    expect(database.lookup("300.1.1.1").asn).toBe(0);
  });
});

describe("networks of an address", () => {
  test("IPv4 /24 and /16", () => {
    expect(networksOf("192.0.2.77")).toEqual({ network: "192.0.2.0/24", network16: "192.0.0.0/16" });
  });
  test("IPv6 /48 and /32, whatever the compression", () => {
    expect(networksOf("2001:db8:abcd:12::1")).toEqual({ network: "2001:db8:abcd::/48", network16: "2001:db8::/32" });
    expect(networksOf("2001:db8::1")).toEqual({ network: "2001:db8:0::/48", network16: "2001:db8::/32" });
  });
});
