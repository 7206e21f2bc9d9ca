import { type AddressPools, type AddressRange, loadAddressPools } from "./address-pools.js";
import { type Random, seededRandom } from "./seeded-random.js";

export type AccountRole = "ordinary" | "smartphone" | "travelling" | "compromised";
export type MailHost = "mx1" | "mx2" | "mx3";
export type Service = "imap" | "pop3" | "smtp";

export type ScenarioAccount = { user: string; role: AccountRole; host: MailHost; country: string };
export type LoginEvent = { ts: number; user: string; ip: string; success: boolean; service: Service; host: MailHost };
export type MailScenario = {
  seed: number;
  start: number;
  hours: number;
  accounts: ScenarioAccount[];
  events: LoginEvent[];
};

const HOUR = 3_600_000;
const FIRST_NAMES = [
  "anna",
  "ben",
  "clara",
  "david",
  "eva",
  "felix",
  "greta",
  "hans",
  "ida",
  "jonas",
  "karla",
  "leon",
  "mia",
  "noah",
  "olga",
  "paul",
];
const DOMAINS = ["example.com", "example.org", "example.net", "mail.example.de"];

/**
 * The ground truth of the demo: accounts with roles and every login they make.
 * - ordinary: 1-3 addresses (home, office, sometimes one more), same country;
 * - smartphone: 20-200 addresses of one or two mobile carriers of one country
 *   (many /24s, few ASNs): a roaming phone, never to be flagged;
 * - travelling: 2-4 countries but only a handful of networks: never flagged;
 * - compromised: the owner from home, plus an attacker's botnet logging in
 *   from 30-200 networks of 6 or more ASNs and 4 or more countries within a
 *   day (some within an hour), after bursts of password guessing.
 */
export function buildMailScenario(options: {
  seed: number;
  users: number;
  start: number;
  hours: number;
}): MailScenario {
  const random = seededRandom(options.seed);
  const pools = loadAddressPools();
  const compromisedCount = Math.max(2, Math.round(options.users * 0.004));
  const phoneCount = Math.round(options.users * 0.13);
  const travellerCount = Math.round(options.users * 0.03);
  const accounts: ScenarioAccount[] = [];
  const events: LoginEvent[] = [];
  const end = options.start + options.hours * HOUR;
  for (let index = 0; index < options.users; index++) {
    const role: AccountRole =
      index < compromisedCount
        ? "compromised"
        : index < compromisedCount + phoneCount
          ? "smartphone"
          : index < compromisedCount + phoneCount + travellerCount
            ? "travelling"
            : "ordinary";
    const account: ScenarioAccount = {
      user: `${random.pick(FIRST_NAMES)}.${index}@${random.pick(DOMAINS)}`,
      role,
      host: random.pick(["mx1", "mx2", "mx3"] as const),
      country: random.pick(pools.countries),
    };
    accounts.push(account);
    const login = (ts: number, ip: string, success = true, service?: Service) =>
      events.push({
        ts: Math.floor(ts),
        user: account.user,
        ip,
        success,
        service: service ?? random.pick(["imap", "imap", "pop3", "smtp"] as const),
        host: account.host,
      });
    const home = pickAddresses(pools, pools.ispRanges(account.country), random, 1);
    const at = () => options.start + random.next() * (end - options.start);
    if (role === "ordinary" || role === "compromised") {
      const addresses = [...home, ...pickAddresses(pools, pools.ispRanges(account.country), random, random.int(0, 2))];
      for (let n = random.int(4, 30); n > 0; n--) login(at(), random.pick(addresses), !random.chance(0.03));
    }
    if (role === "smartphone") {
      const carrier = pools.carrierRanges(random);
      const addresses = pickAddresses(pools, carrier, random, random.int(20, 200));
      for (const ip of addresses) login(at(), ip, true, random.pick(["imap", "smtp"] as const));
      for (let n = random.int(5, 20); n > 0; n--) login(at(), random.pick(home));
    }
    if (role === "travelling") {
      const countries = [
        account.country,
        ...pools.countries.filter((country) => country !== account.country).slice(0, random.int(1, 3)),
      ];
      const addresses = countries.flatMap((country) => pickAddresses(pools, pools.ispRanges(country), random, 1));
      for (let n = random.int(6, 20); n > 0; n--) login(at(), random.pick(addresses));
    }
    if (role === "compromised") attack(options, random, pools, login);
  }
  events.sort((a, b) => a.ts - b.ts || a.user.localeCompare(b.user));
  return { seed: options.seed, start: options.start, hours: options.hours, accounts, events };
}

/** An attacker's campaign: guessing from a few addresses, then logins from a botnet of many networks. */
function attack(
  options: { start: number; hours: number },
  random: Random,
  pools: AddressPools,
  login: (ts: number, ip: string, success?: boolean, service?: Service) => void,
): void {
  const fast = random.chance(0.5);
  const span = fast ? random.int(20, 55) * 60_000 : random.int(12, 22) * HOUR;
  // A slow campaign stays inside one UTC day, so one 24 h window sees all of it.
  const days = Math.max(1, Math.floor(options.hours / 24));
  const dayStart = Math.ceil(options.start / (24 * HOUR)) * 24 * HOUR + random.int(0, days - 1) * 24 * HOUR;
  const startAt = fast
    ? options.start + HOUR + random.next() * Math.max(0, options.hours * HOUR - span - 2 * HOUR)
    : Math.min(dayStart, options.start + options.hours * HOUR - 24 * HOUR) +
      HOUR +
      random.next() * (23 * HOUR - span - HOUR);
  const botnet = pickWorldAddresses(pools, random, random.int(30, 200));
  for (let n = random.int(10, 60); n > 0; n--)
    login(startAt - random.next() * HOUR, random.pick(botnet), false, "smtp");
  for (const ip of botnet) {
    for (let n = random.int(1, 3); n > 0; n--) login(startAt + random.next() * span, ip, true, "smtp");
  }
}

/** `count` addresses in distinct /24s of the given ranges. */
function pickAddresses(pools: AddressPools, ranges: readonly AddressRange[], random: Random, count: number): string[] {
  const chosen = new Map<string, string>();
  for (let tries = 0; chosen.size < count && tries < count * 20 && ranges.length > 0; tries++) {
    const ip = pools.addressIn(random.pick(ranges), random);
    chosen.set(ip.slice(0, ip.lastIndexOf(".")), ip);
  }
  return [...chosen.values()];
}

/** Addresses world-wide, each of a different ASN, covering at least 4 countries. */
function pickWorldAddresses(pools: AddressPools, random: Random, count: number): string[] {
  const seenAsns = new Set<number>();
  const countries = new Set<string>();
  const addresses: string[] = [];
  for (let tries = 0; addresses.length < count && tries < count * 50; tries++) {
    const range = random.pick(pools.worldRanges);
    if (seenAsns.has(range.asn)) continue;
    seenAsns.add(range.asn);
    countries.add(range.country);
    addresses.push(pools.addressIn(range, random));
  }
  if (countries.size < 4) throw new Error("the ASN tables hold too few countries for the demo's attackers");
  return addresses;
}
