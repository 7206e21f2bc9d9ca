import type { AccountIpsConfig } from "../../schemas/config.js";
import type { Verdict } from "./rows.js";

export type WindowCounts = {
  networks: number;
  asns: number;
  countries: number;
  /** Addresses outside the `roaming.maxAsns` ASNs with the most addresses (a phone's home and office Wi-Fi). */
  outsideTopAsns: number;
  /** Addresses outside the `roaming.maxCountries` countries with the most addresses. */
  outsideTopCountries: number;
};
export type Threshold = AccountIpsConfig["thresholds"][string];
export type Judgement = { readonly verdict: Verdict; readonly level: number };

// The judgements without an alert, shared (most windows are normal: no object made per window).
const ALLOWLISTED: Judgement = { verdict: "allowlisted", level: 0 };
export const NORMAL: Judgement = { verdict: "normal", level: 0 };
const ROAMING_PHONE: Judgement = { verdict: "roaming-phone", level: 0 };

/**
 * The verdict a person can act on, and the alert level (0: no alert; 1 at the
 * networks threshold; one more at every doubling of it).
 *
 * - fewer distinct networks than the threshold: `normal`;
 * - many networks, but all of them (save `roaming.maxOtherAddresses`
 *   addresses: home, office) inside at most `roaming.maxAsns` ASNs and
 *   `roaming.maxCountries` countries: `roaming-phone` (a phone moving through
 *   its carrier's addresses), no alert;
 * - many networks in at least `asns` ASNs or `countries` countries:
 *   `likely-compromise`;
 * - many networks otherwise: `suspicious`.
 */
export function judgeWindow(
  counts: WindowCounts,
  threshold: Threshold,
  roaming: AccountIpsConfig["roaming"],
  allowlisted: boolean,
): Judgement {
  if (allowlisted) return ALLOWLISTED;
  if (counts.networks < threshold.networks) return NORMAL;
  if (counts.outsideTopAsns <= roaming.maxOtherAddresses && counts.outsideTopCountries <= roaming.maxOtherAddresses) {
    return ROAMING_PHONE;
  }
  const verdict: Verdict =
    counts.asns >= threshold.asns || counts.countries >= threshold.countries ? "likely-compromise" : "suspicious";
  return { verdict, level: 1 + Math.floor(Math.log2(counts.networks / threshold.networks)) };
}
