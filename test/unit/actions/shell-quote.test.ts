import { execFileSync } from "node:child_process";
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { quoteArg, quoteArgv } from "../../../actions/shell-quote.js";

/** What a real POSIX shell (dash, as sshd's `sh -c` on Debian) makes of the quoted text: the argv printf receives. */
function argvThroughShell(argv: readonly string[]): string[] {
  const out = execFileSync("sh", ["-c", `printf '%s\\0' ${quoteArgv(argv)}`], { encoding: "utf8" });
  return out.split("\0").slice(0, -1);
}

const shellish = fc.constantFrom(..."';\"`$(){}[]*?~&|<>\\!#= \t\n%^");

describe("quoteArgv", () => {
  test("every argument reaches the program exactly, whatever it holds (real sh)", () => {
    fc.assert(
      fc.property(
        fc.array(
          fc
            .oneof(
              fc.string({ unit: shellish, maxLength: 12 }),
              fc.string({ unit: "binary", minLength: 1, maxLength: 12 }),
              fc.constantFrom("", "-n", "--", "$(id)", "`id`", "x;touch /tmp/pwned", "'", "''", "a'b\"c", "~root", "*"),
            )
            .filter((arg) => !arg.includes("\0")),
          { minLength: 1, maxLength: 6 },
        ),
        (argv) => {
          expect(argvThroughShell(argv)).toEqual(argv);
        },
      ),
      { numRuns: 300 },
    );
  });

  test("plain words stay readable; anything else is single-quoted", () => {
    expect(quoteArgv(["passwd", "-l", "--", "ann@example.com"])).toBe("passwd -l -- ann@example.com");
    expect(quoteArg("")).toBe("''");
    expect(quoteArg("it's")).toBe("'it'\\''s'");
    expect(quoteArg("~root")).toBe("'~root'");
  });

  test("refuses what argv cannot carry", () => {
    expect(() => quoteArg("a\0b")).toThrow(/NUL/);
    expect(() => quoteArgv([])).toThrow(/empty/);
  });
});
