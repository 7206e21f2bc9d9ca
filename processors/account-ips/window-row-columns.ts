import { type Verdict, VerdictSchema, type WindowRow } from "./rows.js";
import { grownRows } from "./table-capacity.js";

/**
 * The numbers of an `account_windows` row, at these offsets of its stretch of WINDOW_ROW_FIELDS numbers:
 * the user as its id in the state's user names, the window as its index in the configured windows, the
 * verdict as its index in VERDICTS.
 */
export const WindowRowField = {
  user: 0,
  spec: 1,
  start: 2,
  end: 3,
  ips: 4,
  networks: 5,
  networks16: 6,
  asns: 7,
  countries: 8,
  logins: 9,
  failures: 10,
  newNetworks: 11,
  firstLogin: 12,
  lastLogin: 13,
  verdict: 14,
  level: 15,
  version: 16,
} as const;
type Field = (typeof WindowRowField)[keyof typeof WindowRowField];
export const WINDOW_ROW_FIELDS = 17;

/** The row's numbers and where a description holds them (the user, window and verdict are ids). */
type NumberKey = { [Key in keyof WindowRow]: WindowRow[Key] extends number ? Key : never }[keyof WindowRow];
const NUMBER_FIELDS: readonly (readonly [NumberKey, Field])[] = [
  ["window_start", WindowRowField.start],
  ["window_end", WindowRowField.end],
  ["ips", WindowRowField.ips],
  ["networks", WindowRowField.networks],
  ["networks16", WindowRowField.networks16],
  ["asns", WindowRowField.asns],
  ["countries", WindowRowField.countries],
  ["logins", WindowRowField.logins],
  ["failures", WindowRowField.failures],
  ["new_networks", WindowRowField.newNetworks],
  ["first_login", WindowRowField.firstLogin],
  ["last_login", WindowRowField.lastLogin],
  ["level", WindowRowField.level],
  ["version", WindowRowField.version],
];

/** Verdicts by number (a row's `verdict`). */
export const VERDICTS: readonly Verdict[] = VerdictSchema.options;
export const VERDICT_NUMBER: Readonly<Record<Verdict, number>> = Object.fromEntries(
  VERDICTS.map((verdict, index) => [verdict, index]),
) as Record<Verdict, number>;

/**
 * Window rows as numbers, one stretch of WINDOW_ROW_FIELDS per row: what a collection writes for a few
 * hundred thousand windows without an object per row (about 300 bytes each, most of the aggregation's
 * garbage). The store's encoder reads the numbers; `rows()` makes the objects for whoever wants them.
 */
export class WindowRowColumns {
  count = 0;
  private data = new Float64Array(0);

  /**
   * `userNames` and `windowNames` name the ids in the rows (the state's lists, which only grow); room for
   * `expectedRows` is made at once (a collection knows how many rows it can write at most: no growing copy).
   */
  constructor(
    private readonly userNames: readonly string[],
    private readonly windowNames: readonly string[],
    expectedRows = 0,
  ) {
    if (expectedRows > 0) this.data = new Float64Array(expectedRows * WINDOW_ROW_FIELDS);
  }

  /** Columns holding `rows`, with their own lists of names (rows made elsewhere than by a collection). */
  static of(rows: readonly WindowRow[]): WindowRowColumns {
    const userNames: string[] = [];
    const windowNames: string[] = [];
    const columns = new WindowRowColumns(userNames, windowNames);
    const idOf = (names: string[], name: string) => {
      const known = names.indexOf(name);
      return known >= 0 ? known : names.push(name) - 1;
    };
    for (const row of rows) {
      const at = columns.addRow();
      const values = columns.values;
      values[at + WindowRowField.user] = idOf(userNames, row.user);
      values[at + WindowRowField.spec] = idOf(windowNames, row.window);
      values[at + WindowRowField.verdict] = VERDICT_NUMBER[row.verdict];
      for (const [key, field] of NUMBER_FIELDS) values[at + field] = row[key];
    }
    return columns;
  }

  /**
   * Room for one more row: the place of its first number in `values`, where the caller writes its
   * WINDOW_ROW_FIELDS numbers (at WindowRowField offsets).
   */
  addRow(): number {
    const row = this.count;
    this.data = grownRows(this.data, WINDOW_ROW_FIELDS, row + 1);
    this.count = row + 1;
    return row * WINDOW_ROW_FIELDS;
  }

  /** Every row's numbers, one stretch of WINDOW_ROW_FIELDS per row (another array after `addRow` grew it). */
  get values(): Float64Array {
    return this.data;
  }

  field(row: number, field: Field): number {
    return this.data[row * WINDOW_ROW_FIELDS + field] as number;
  }

  user(row: number): string {
    return this.userNames[this.field(row, WindowRowField.user)] as string;
  }

  window(row: number): string {
    return this.windowNames[this.field(row, WindowRowField.spec)] as string;
  }

  verdict(row: number): Verdict {
    return VERDICTS[this.field(row, WindowRowField.verdict)] as Verdict;
  }

  /** The rows as objects, in order. */
  rows(): WindowRow[] {
    return Array.from({ length: this.count }, (_, row) => this.row(row));
  }

  row(row: number): WindowRow {
    return windowRowOf(this.data, row * WINDOW_ROW_FIELDS, this.userNames, this.windowNames);
  }
}

/** The row whose numbers start at `at` of `values`, as an object. */
export function windowRowOf(
  values: Float64Array,
  at: number,
  userNames: readonly string[],
  windowNames: readonly string[],
): WindowRow {
  const value = (field: Field) => values[at + field] as number;
  return {
    user: userNames[value(WindowRowField.user)] as string,
    window: windowNames[value(WindowRowField.spec)] as string,
    window_start: value(WindowRowField.start),
    window_end: value(WindowRowField.end),
    ips: value(WindowRowField.ips),
    networks: value(WindowRowField.networks),
    networks16: value(WindowRowField.networks16),
    asns: value(WindowRowField.asns),
    countries: value(WindowRowField.countries),
    logins: value(WindowRowField.logins),
    failures: value(WindowRowField.failures),
    new_networks: value(WindowRowField.newNetworks),
    first_login: value(WindowRowField.firstLogin),
    last_login: value(WindowRowField.lastLogin),
    verdict: VERDICTS[value(WindowRowField.verdict)] as Verdict,
    level: value(WindowRowField.level),
    version: value(WindowRowField.version),
  };
}
