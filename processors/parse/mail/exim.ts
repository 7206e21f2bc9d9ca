import { defineMailParser } from "../define-mail-parser.js";

const HOST = /\sH=(?:\S+ )?(?:\([^)]*\) )?\[([^\]]+)\]/;
const AUTHENTICATED = /\sA=[\w-]+:(\S+)/;
const FAILED =
  /^([\w-]+) authenticator failed for (?:\S+ )?(?:\([^)]*\) )?\[([^\]]+)\](?::\d+)?: (\d{3} [^(]*?)\s*(?:\(set_id=(.*)\))?$/;

/** Exim: `<=` lines carrying `A=authenticator:user` with `H=... [ip]`, and `authenticator failed for ... (set_id=user)`. */
export const eximParser = defineMailParser({
  id: "exim",
  summary: "Exim authenticated message arrivals (A=authenticator:user) and authenticator failures",
  needles: [" A=", "authenticator failed"],
  parse(message) {
    const failed = FAILED.exec(message);
    if (failed !== null) {
      return {
        service: "smtp",
        user: failed[4] ?? "",
        ip: failed[2] ?? "",
        success: false,
        reason: (failed[3] ?? "").trim(),
      };
    }
    if (message.includes("authenticator failed")) return { unparsed: "exim authenticator failure without [address]" };
    // `<=` follows the message id: `1tABCD-000123-EF <= sender ...`
    const arrow = message.indexOf(" <= ");
    if (arrow < 0 || arrow > 40) return null;
    const user = AUTHENTICATED.exec(message);
    if (user === null) return null;
    const host = HOST.exec(message);
    if (host === null) return { unparsed: "exim A= line without H=[address]" };
    return { service: "smtp", user: user[1] ?? "", ip: host[1] ?? "", success: true, reason: "" };
  },
});
