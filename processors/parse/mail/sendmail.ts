import { defineMailParser } from "../define-mail-parser.js";

const RELAY = /relay=(?:[^\s,[]+ )?\[([^\]]+)\]/;
const SUCCESS = /AUTH=server, relay=.*?, authid=([^,]+), mech=([\w-]+)/;
const FAILURE = /AUTH failure \(([\w-]+)\): (.*?)(?:, user=([^,]*))?, relay=/;

/** Sendmail: `AUTH=server, relay=host [ip], authid=user, mech=PLAIN` and `AUTH failure (LOGIN): ..., relay=host [ip]`. */
export const sendmailParser = defineMailParser({
  id: "sendmail",
  summary: "Sendmail AUTH=server logins and AUTH failures",
  needles: ["AUTH=server", "AUTH failure"],
  parse(message, envelope) {
    if (!envelope.program.startsWith("sendmail") && !envelope.program.startsWith("sm-mta")) return null;
    const relay = RELAY.exec(message);
    const success = SUCCESS.exec(message);
    if (success !== null) {
      if (relay === null) return { unparsed: "sendmail AUTH=server without relay=[address]" };
      return { service: "smtp", user: success[1] ?? "", ip: relay[1] ?? "", success: true, reason: "" };
    }
    const failure = FAILURE.exec(message);
    if (failure !== null) {
      if (relay === null) return { unparsed: "sendmail AUTH failure without relay=[address]" };
      // Sendmail names the user only when the SASL library did (`user=`): otherwise it counts against the address alone.
      return {
        service: "smtp",
        user: failure[3] ?? "",
        ip: relay[1] ?? "",
        success: false,
        reason: (failure[2] ?? "").trim(),
      };
    }
    return null;
  },
});
