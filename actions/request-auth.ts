import { createHash, createHmac, timingSafeEqual } from "node:crypto";
import type { IncomingHttpHeaders } from "node:http";

/**
 * Who may call `vigil serve`: a bearer token (Authorization: Bearer T), or an
 * HMAC-SHA256 signature of the body with a shared secret, either Vigil's
 * (X-Vigil-Signature: sha256=<hex>) or Grafana's webhook signing
 * (X-Grafana-Alerting-Signature: <hex>, over "<timestamp>:<body>" when the
 * contact point sets the timestamp header X-Grafana-Alerting-Timestamp, which
 * must then be within five minutes). Every comparison is constant-time.
 */
export type RequestAuth = { token: string | null; hmacSecret: string | null };

const MAX_CLOCK_SKEW_S = 300;

export function isAuthorized(
  auth: RequestAuth,
  headers: IncomingHttpHeaders,
  body: Buffer,
  nowMs = Date.now(),
): boolean {
  const authorization = headers.authorization;
  if (auth.token !== null && typeof authorization === "string" && authorization.startsWith("Bearer ")) {
    if (sameSecret(authorization.slice(7).trim(), auth.token)) return true;
  }
  if (auth.hmacSecret === null) return false;
  const vigilSignature = header(headers, "x-vigil-signature");
  if (vigilSignature?.startsWith("sha256=")) {
    return sameSecret(vigilSignature.slice(7).toLowerCase(), hmacHex(auth.hmacSecret, body));
  }
  const grafanaSignature = header(headers, "x-grafana-alerting-signature");
  if (grafanaSignature !== undefined) {
    const timestamp = header(headers, "x-grafana-alerting-timestamp");
    if (timestamp !== undefined) {
      const seconds = Number(timestamp);
      if (!Number.isFinite(seconds) || Math.abs(nowMs / 1000 - seconds) > MAX_CLOCK_SKEW_S) return false;
      return sameSecret(
        grafanaSignature.toLowerCase(),
        hmacHex(auth.hmacSecret, Buffer.concat([Buffer.from(`${timestamp}:`), body])),
      );
    }
    return sameSecret(grafanaSignature.toLowerCase(), hmacHex(auth.hmacSecret, body));
  }
  return false;
}

export function hmacHex(secret: string, body: Buffer | string): string {
  return createHmac("sha256", secret).update(body).digest("hex");
}

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** Constant-time, and length-blind: both sides are hashed to the same length first. */
function sameSecret(given: string, expected: string): boolean {
  const a = createHash("sha256").update(given).digest();
  const b = createHash("sha256").update(expected).digest();
  return timingSafeEqual(a, b);
}
