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

  test("an insert whose body waits in a file reads it with FROM INFILE, binary formats included", () => {
    const url = new URL(`http://x/?max_threads=2&query=${encodeURIComponent("INSERT INTO t (a, b) FORMAT Native")}`);
    expect(statementFor(url, Buffer.from([1, 2, 0xff]), "/data/inserts/it's").sql).toBe(
      "SET max_threads = '2'; INSERT INTO t (a, b) FROM INFILE '/data/inserts/it\\'s' FORMAT Native",
    );
    // A statement without a closing FORMAT keeps its rows inline.
    const values = new URL(`http://x/?query=${encodeURIComponent("INSERT INTO t VALUES")}`);
    expect(statementFor(values, Buffer.from("(1)"), "/f").sql).toBe("INSERT INTO t VALUES\n(1)");
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
