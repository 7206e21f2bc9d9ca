import { type Verdict, VerdictSchema, type WindowRow } from "./rows.js";
import { nextCapacity } from "./table-capacity.js";

/**
 * The numbers of an `account_windows` row, at these offsets of a description (a Float64Array of
 * WINDOW_ROW_FIELDS numbers): the user as its id in the state's user names, the window as its index
 * in the configured windows, the verdict as its index in VERDICTS.
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

/** Verdicts by number (a description's `verdict`). */
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

  /** `userNames` and `windowNames` name the ids in the rows (the state's lists, which only grow). */
  constructor(
    private readonly userNames: readonly string[],
    private readonly windowNames: readonly string[],
  ) {}

  /** Columns holding `rows`, with their own lists of names (rows made elsewhere than by a collection). */
  static of(rows: readonly WindowRow[]): WindowRowColumns {
    const userNames: string[] = [];
    const windowNames: string[] = [];
    const columns = new WindowRowColumns(userNames, windowNames);
    const description = new Float64Array(WINDOW_ROW_FIELDS);
    const idOf = (names: string[], name: string) => {
      const known = names.indexOf(name);
      return known >= 0 ? known : names.push(name) - 1;
    };
    for (const row of rows) {
      description[WindowRowField.user] = idOf(userNames, row.user);
      description[WindowRowField.spec] = idOf(windowNames, row.window);
      description[WindowRowField.verdict] = VERDICT_NUMBER[row.verdict];
      for (const [key, field] of NUMBER_FIELDS) description[field] = row[key];
      columns.push(description);
    }
    return columns;
  }

  /** Appends the row of a description. */
  push(description: Float64Array): void {
    const row = this.count;
    if ((row + 1) * WINDOW_ROW_FIELDS > this.data.length) {
      const grown = new Float64Array(nextCapacity(this.data.length / WINDOW_ROW_FIELDS, row + 1) * WINDOW_ROW_FIELDS);
      grown.set(this.data);
      this.data = grown;
    }
    const data = this.data;
    const base = row * WINDOW_ROW_FIELDS;
    for (let field = 0; field < WINDOW_ROW_FIELDS; field++) data[base + field] = description[field] as number;
    this.count = row + 1;
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
    return windowRowOf(this.data.subarray(row * WINDOW_ROW_FIELDS), this.userNames, this.windowNames);
  }
}

/** The row of a description, as an object. */
export function windowRowOf(
  description: Float64Array,
  userNames: readonly string[],
  windowNames: readonly string[],
): WindowRow {
  const at = (field: Field) => description[field] as number;
  return {
    user: userNames[at(WindowRowField.user)] as string,
    window: windowNames[at(WindowRowField.spec)] as string,
    window_start: at(WindowRowField.start),
    window_end: at(WindowRowField.end),
    ips: at(WindowRowField.ips),
    networks: at(WindowRowField.networks),
    networks16: at(WindowRowField.networks16),
    asns: at(WindowRowField.asns),
    countries: at(WindowRowField.countries),
    logins: at(WindowRowField.logins),
    failures: at(WindowRowField.failures),
    new_networks: at(WindowRowField.newNetworks),
    first_login: at(WindowRowField.firstLogin),
    last_login: at(WindowRowField.lastLogin),
    verdict: VERDICTS[at(WindowRowField.verdict)] as Verdict,
    level: at(WindowRowField.level),
    version: at(WindowRowField.version),
  };
}
