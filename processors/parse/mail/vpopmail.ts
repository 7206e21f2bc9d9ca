import { defineMailParser, serviceOf } from "../define-mail-parser.js";

const VCHKPW =
  /^vchkpw-([\w-]+): (?:\((\w+)\) )?(login success|password fail|vpopmail user not found|user not found|no such user)(?: \(pass: '.*'\))? (.+)$/;

/**
 * qmail vpopmail vchkpw: `vchkpw-pop3: (PLAIN) login success user@dom:ip`,
 * `password fail (pass: '...') user@dom:ip` (the password is never kept),
 * `vpopmail user not found user@dom:ip`.
 */
export const vpopmailParser = defineMailParser({
  id: "vpopmail",
  summary: "qmail/vpopmail vchkpw login success, password fail and user not found",
  needles: ["vchkpw-"],
  parse(message) {
    const match = VCHKPW.exec(message);
    if (match === null) return null;
    const target = match[4] ?? "";
    // user@domain:address — the user ends at the first colon, IPv6 keeps its colons.
    const colon = target.indexOf(":");
    if (colon <= 0) return { unparsed: "vchkpw line without user:address" };
    const outcome = match[3] ?? "";
    return {
      service: serviceOf(match[1] ?? ""),
      user: target.slice(0, colon),
      ip: target.slice(colon + 1),
      success: outcome === "login success",
      reason: outcome === "login success" ? "" : outcome,
    };
  },
});
