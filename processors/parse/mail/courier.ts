import { defineMailParser, serviceOf } from "../define-mail-parser.js";

// The user is greedy and the address must be followed by `, port=` or the end:
// an `ip=[...]` planted in the user name never becomes the address.
const LOGIN = /^(LOGIN|LOGIN FAILED), user=(.*), ip=\[([^\]]*)\](?=, port=|$)(?:, port=\[\d*\])?(?:, protocol=(\w+))?/;

/** Courier imapd/pop3d: `LOGIN, user=u, ip=[::ffff:1.2.3.4], port=[..], protocol=IMAP` and `LOGIN FAILED, ...`. */
export const courierParser = defineMailParser({
  id: "courier",
  summary: "Courier imapd/pop3d LOGIN and LOGIN FAILED lines",
  needles: ["LOGIN, user=", "LOGIN FAILED, user="],
  parse(message, envelope) {
    const match = LOGIN.exec(message);
    if (match === null) {
      return message.startsWith("LOGIN") ? { unparsed: "courier LOGIN line without user= and ip=[...]" } : null;
    }
    const failed = match[1] === "LOGIN FAILED";
    return {
      service: serviceOf(match[4] ?? envelope.program),
      user: match[2] ?? "",
      ip: match[3] ?? "",
      success: !failed,
      reason: failed ? "login failed" : "",
    };
  },
});
