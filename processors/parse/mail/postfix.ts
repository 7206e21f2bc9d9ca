import { defineMailParser } from "../define-mail-parser.js";

const SUCCESS = /(?:^|: )client=[^\s[]*\[([^\]]*)\](?::\d+)?, sasl_method=([^,]*), sasl_username=(.*?)(?:, \w+=.*)?$/;
const FAILURE =
  /^warning: [^\s[]*\[([^\]]*)\](?::\d+)?: SASL ([\w-]+) authentication failed:?\s?(.*?)(?:, sasl_username=(.*))?$/;

/** Postfix smtpd SASL: `client=name[ip], sasl_method=PLAIN, sasl_username=user` and `SASL LOGIN authentication failed`. */
export const postfixParser = defineMailParser({
  id: "postfix",
  summary: "Postfix smtpd SASL logins (sasl_username=) and authentication failures",
  needles: ["sasl_username=", "authentication failed"],
  parse(message, envelope) {
    if (!envelope.program.startsWith("postfix")) return null;
    const service = envelope.program.includes("submission") ? "submission" : "smtp";
    const success = SUCCESS.exec(message);
    if (success !== null) {
      return { service, ip: success[1] ?? "", user: success[3] ?? "", success: true, reason: "" };
    }
    const failure = FAILURE.exec(message);
    if (failure !== null) {
      // Before Postfix 3.x the failure names no user: the event still counts against the address.
      const reason = (failure[3] ?? "").trim();
      return {
        service,
        ip: failure[1] ?? "",
        user: failure[4] ?? "",
        success: false,
        reason: reason === "" || /^[A-Za-z0-9+/=]+$/.test(reason) ? `SASL ${failure[2]} authentication failed` : reason,
      };
    }
    if (message.includes("sasl_username=") || message.includes("authentication failed")) {
      return { unparsed: "postfix SASL line without a client address" };
    }
    return null;
  },
});
