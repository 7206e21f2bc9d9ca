import { describe, expect, test } from "vitest";
import { formatAwkLines } from "../../../cli/awk-parity.js";

describe("awk one-liner output", () => {
  test("prints count, user, two spaces, the addresses; drops single-address users; sorts like sort -n", () => {
    const out = formatAwkLines([
      { user: "b", ips: ["1.1.1.1", "2.2.2.2", "3.3.3.3"] },
      { user: "a", ips: ["9.9.9.9", "8.8.8.8"] },
      { user: "c", ips: ["7.7.7.7"] },
      { user: "A", ips: ["5.5.5.5", "6.6.6.6"] },
    ]);
    expect(out).toBe("2 A  5.5.5.5 6.6.6.6\n2 a  9.9.9.9 8.8.8.8\n3 b  1.1.1.1 2.2.2.2 3.3.3.3\n");
  });

  test("keeps awk's substring quirk: an address inside one already listed is not added", () => {
    expect(formatAwkLines([{ user: "u", ips: ["11.2.3.45", "1.2.3.4", "5.5.5.5"] }])).toBe("2 u  11.2.3.45 5.5.5.5\n");
    expect(formatAwkLines([{ user: "u", ips: ["1.2.3.4", "11.2.3.45"] }])).toBe("2 u  1.2.3.4 11.2.3.45\n");
  });
});
