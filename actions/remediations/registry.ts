import { blockIp } from "./block-ip.js";
import type { RemediationDefinition } from "./define-remediation.js";
import { lockAccount } from "./lock-account.js";
import { pinDomain } from "./pin-domain.js";
import { sorrySite } from "./sorry-site.js";

/** Every remediation, alphabetically. Adding one is a file beside this and a line here. */
export const REMEDIATIONS: readonly RemediationDefinition[] = [
  blockIp,
  lockAccount,
  pinDomain,
  sorrySite,
] as unknown as readonly RemediationDefinition[];

export function findRemediation(id: string): RemediationDefinition | undefined {
  return REMEDIATIONS.find((remediation) => remediation.id === id);
}
