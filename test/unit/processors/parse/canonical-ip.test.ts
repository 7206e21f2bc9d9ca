import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { canonicalIp } from "../../../../processors/parse/canonical-ip.js";

describe("canonical addresses", () => {
  test.each([
    ["192.0.2.7", "192.0.2.7"],
    ["::ffff:192.0.2.7", "192.0.2.7"],
    ["[::ffff:192.0.2.7]", "192.0.2.7"],
    ["::FFFF:C000:0207", "192.0.2.7"],
    ["[192.0.2.7]:51234", "192.0.2.7"],
    ["2001:DB8:0:0:0:0:0:1", "2001:db8::1"],
    ["2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"],
    ["2001:0db8:0000:0000:0000:ff00:0042:8329", "2001:db8::ff00:42:8329"],
    ["fe80::1%eth0", "fe80::1"],
    ["::1", "::1"],
    ["::", "::"],
  ])("%s -> %s", (raw, canonical) => {
    expect(canonicalIp(raw)).toBe(canonical);
  });

  test.each(["unknown", "", "192.0.2", "192.0.2.256", "192.0.2.07", "1.2.3.4; rm -rf /", "$(id)", "2001:db8::g"])(
    "%s is no address",
    (raw) => {
      expect(canonicalIp(raw)).toBeNull();
    },
  );

  test("canonical forms are fixed points, and v4-mapped forms of an IPv4 address map back to it", () => {
    fc.assert(
      fc.property(fc.oneof(fc.ipV4(), fc.ipV6()), (ip) => {
        const canonical = canonicalIp(ip);
        if (canonical === null) return;
        expect(canonicalIp(canonical)).toBe(canonical);
      }),
    );
    fc.assert(
      fc.property(fc.ipV4(), (ip) => {
        expect(canonicalIp(`::ffff:${ip}`)).toBe(ip);
        expect(canonicalIp(`[::ffff:${ip}]`)).toBe(ip);
      }),
    );
  });
});
