import { defineMailParser, serviceOf } from "../define-mail-parser.js";

const LOGIN_PROCESS = /^(?:([\w-]+)-login: )?(Login|Disconnected|Aborted login|Login aborted)\b(.*)$/;
const USER = /\buser=<([^>]*)>/;
// `, rip=`: an address planted inside the user name (`user=<rip=10.0.0.1>`) is not preceded by a comma.
const RIP = /(?:^|, )rip=([^,\s]+)/;
const AUTH_FAILED = /\((auth failed, \d+ attempts?[^)]*)\)/;
const AUTH_PROCESS =
  /^auth(?:-worker\(\d+\))?: (?:Info: )?[\w-]+\(([^,()]*),([^,()]*)(?:,[^)]*)?\): (unknown user|[Pp]assword mismatch.*|Password mismatch)$/;

/** Dovecot imap/pop3/submission-login `Login:` and auth failures, and `auth: passdb(user,ip): unknown user`. */
export const dovecotParser = defineMailParser({
  id: "dovecot",
  summary: "Dovecot imap/pop3/submission logins (Login: user=<..>, rip=..) and authentication failures",
  needles: ["-login: ", "user=<", "unknown user", "assword mismatch"],
  parse(message, envelope) {
    if (
      !envelope.program.startsWith("dovecot") &&
      !envelope.program.endsWith("-login") &&
      envelope.program !== "auth"
    ) {
      return null;
    }
    const login = LOGIN_PROCESS.exec(message);
    if (login !== null) {
      const service = serviceOf(login[1] ?? envelope.program);
      const kind = login[2];
      const rest = login[3] ?? "";
      if (kind === "Login") {
        const user = USER.exec(rest);
        const ip = RIP.exec(rest);
        if (user === null || ip === null) return { unparsed: "dovecot Login: without user=<> or rip=" };
        return { service, user: user[1] ?? "", ip: ip[1] ?? "", success: true, reason: "" };
      }
      const failed = AUTH_FAILED.exec(rest);
      if (failed === null) return null; // logged out, no auth attempts, ...
      const user = USER.exec(rest);
      const ip = RIP.exec(rest);
      if (ip === null) return { unparsed: "dovecot auth failure without rip=" };
      return { service, user: user?.[1] ?? "", ip: ip[1] ?? "", success: false, reason: failed[1] ?? "auth failed" };
    }
    const auth = AUTH_PROCESS.exec(message);
    if (auth !== null) {
      return {
        service: "auth",
        user: auth[1] ?? "",
        ip: auth[2] ?? "",
        success: false,
        reason: (auth[3] ?? "").toLowerCase(),
      };
    }
    return null;
  },
});
