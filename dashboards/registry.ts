import { accountHistory } from "./account-history.js";
import type { DashboardDefinition } from "./define-dashboard.js";
import { mailCompromisedAccounts } from "./mail-compromised-accounts.js";
import { vigilItself } from "./vigil-itself.js";
import { webOutbound } from "./web-outbound.js";

/** Every dashboard, alphabetically. Adding one is a file beside this and a line here. */
export const DASHBOARDS: readonly DashboardDefinition[] = [
  accountHistory,
  mailCompromisedAccounts,
  vigilItself,
  webOutbound,
];
