import { VigilError } from "../runtime/errors.js";
import type { VigilConfig } from "../schemas/config.js";

/** Calls the running `vigil serve` (or `vigil run` with rules) at actions.serve.listen with the configured token. */
export async function callActionService(
  config: VigilConfig,
  method: "GET" | "POST",
  path: string,
  body?: unknown,
): Promise<unknown> {
  const serve = config.actions.serve;
  const token = process.env[serve.tokenEnv];
  if (!token) {
    throw new VigilError(`the store is in use by another Vigil process and ${serve.tokenEnv} is not set to reach it`, {
      code: "E_INPUT",
      hint: `export ${serve.tokenEnv} (the token vigil serve uses), or stop the process holding ${config.data}`,
    });
  }
  let response: Response;
  try {
    response = await fetch(`http://${serve.listen}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  } catch (cause) {
    throw new VigilError(
      `the store is in use by another Vigil process, and no vigil serve answers on ${serve.listen}`,
      {
        code: "E_INPUT",
        hint: "start vigil serve (or vigil run with actions.rules), or stop the process holding the data folder",
        cause,
      },
    );
  }
  const payload = (await response.json().catch(() => ({}))) as { error?: string };
  if (!response.ok) {
    throw new VigilError(`vigil serve refused: ${payload.error ?? response.status}`, {
      code: "E_INPUT",
      hint: "see vigil actions list",
    });
  }
  return payload;
}
