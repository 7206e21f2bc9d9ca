import { describe, expect, test } from "vitest";
import { VerdictSchema, type WindowRow } from "../../../../processors/account-ips/rows.js";
import { WindowRowColumns, WindowRowField } from "../../../../processors/account-ips/window-row-columns.js";

describe("window rows as numbers", () => {
  const rows: WindowRow[] = VerdictSchema.options.map((verdict, index) => ({
    user: `user${index % 2}@example.com`,
    window: index % 3 === 0 ? "24h" : "1h",
    window_start: Date.UTC(2026, 10, 24, index),
    window_end: Date.UTC(2026, 10, 24, index + 1),
    ips: index + 1,
    networks: index,
    networks16: 1,
    asns: 2,
    countries: 3,
    logins: 2 ** 33 + index,
    failures: 7,
    new_networks: index,
    first_login: Date.UTC(2026, 10, 24, index, 0, 1, 5),
    last_login: Date.UTC(2026, 10, 24, index, 59, 59, 999),
    verdict,
    level: index,
    version: 2 ** 40 + index,
  }));

  test("hold every field of every row, each verdict, and give the same objects back in order", () => {
    const columns = WindowRowColumns.of(rows);
    expect(columns.count).toBe(rows.length);
    expect(columns.rows()).toEqual(rows);
    expect(columns.user(1)).toBe("user1@example.com");
    expect(columns.window(0)).toBe("24h");
    expect(columns.verdict(3)).toBe("likely-compromise");
    expect(columns.field(4, WindowRowField.version)).toBe(2 ** 40 + 4);
  });

  test("grow past their first capacity", () => {
    const many = Array.from({ length: 5000 }, (_, index) => ({
      ...(rows[index % rows.length] as WindowRow),
      ips: index,
    }));
    expect(WindowRowColumns.of(many).rows()).toEqual(many);
  });
});
