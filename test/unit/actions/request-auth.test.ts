import { describe, expect, test } from "vitest";
import { hmacHex, isAuthorized } from "../../../actions/request-auth.js";

const auth = { token: "tok", hmacSecret: "sec" };
const body = Buffer.from('{"alerts":[]}');

describe("request authentication", () => {
  test("bearer token", () => {
    expect(isAuthorized(auth, { authorization: "Bearer tok" }, body)).toBe(true);
    expect(isAuthorized(auth, { authorization: "Bearer tok2" }, body)).toBe(false);
    expect(isAuthorized(auth, { authorization: "Basic tok" }, body)).toBe(false);
    expect(isAuthorized({ token: null, hmacSecret: "sec" }, { authorization: "Bearer " }, body)).toBe(false);
  });

  test("Vigil's and Grafana's body signatures, with Grafana's timestamp kept recent", () => {
    expect(isAuthorized(auth, { "x-vigil-signature": `sha256=${hmacHex("sec", body)}` }, body)).toBe(true);
    expect(isAuthorized(auth, { "x-vigil-signature": `sha256=${hmacHex("sec", "other")}` }, body)).toBe(false);
    expect(isAuthorized(auth, { "x-grafana-alerting-signature": hmacHex("sec", body) }, body)).toBe(true);
    const now = 1_764_700_000_000;
    const ts = String(now / 1000);
    const signature = hmacHex("sec", Buffer.concat([Buffer.from(`${ts}:`), body]));
    const headers = { "x-grafana-alerting-signature": signature, "x-grafana-alerting-timestamp": ts };
    expect(isAuthorized(auth, headers, body, now)).toBe(true);
    expect(isAuthorized(auth, headers, body, now + 10 * 60_000)).toBe(false);
    expect(
      isAuthorized({ token: "tok", hmacSecret: null }, { "x-grafana-alerting-signature": hmacHex("sec", body) }, body),
    ).toBe(false);
  });
});
