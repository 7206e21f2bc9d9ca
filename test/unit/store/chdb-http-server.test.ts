import { describe, expect, test } from "vitest";
import { statementFor } from "../../../store/chdb-http-server.js";

describe("statementFor (ClickHouse HTTP requests onto chDB)", () => {
  test("a query in the body, its parameters as the engine's param_ settings with their text form kept", () => {
    const url = new URL("http://x/?query_id=1&param_user=a'b%5Ctc&default_format=JSONEachRow&wait_end_of_query=1");
    const { sql, format } = statementFor(url, Buffer.from("SELECT {user:String}"));
    expect(sql).toBe("SET param_user = 'a\\'b\\\\tc'; SELECT {user:String}");
    expect(format).toBe("JSONEachRow");
  });

  test("an insert: the statement in the URL, the rows in the body", () => {
    const url = new URL(`http://x/?query=${encodeURIComponent("INSERT INTO t FORMAT TabSeparated")}`);
    expect(statementFor(url, Buffer.from("1\t2\n")).sql).toBe("INSERT INTO t FORMAT TabSeparated\n1\t2\n");
  });

  test("a setting or parameter name that is not an identifier is refused, never spliced into SQL", () => {
    expect(() => statementFor(new URL("http://x/?param_a%3B%20DROP=1"), Buffer.from("SELECT 1"))).toThrow(
      /bad parameter name/,
    );
    expect(() => statementFor(new URL("http://x/?max_threads%3B1=1"), Buffer.from("SELECT 1"))).toThrow(
      /bad setting name/,
    );
    expect(() => statementFor(new URL("http://x/"), Buffer.from(" "))).toThrow(/no query/);
  });
});
