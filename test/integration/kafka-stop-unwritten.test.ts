import type { ClickHouseClient } from "@clickhouse/client";
import { afterAll, beforeAll, expect, test } from "vitest";
import { createKafka } from "../../bus/kafka.js";
import { silentLogger } from "../../runtime/logger.js";
import { rawInsertOf, registerRawInsert } from "../../store/raw-insert.js";
import { type AccountIpsRig, startAccountIpsRig } from "../helpers/account-ips-rig.js";
import { waitFor } from "../helpers/scaled-out.js";

/**
 * An account-ips worker told to stop while its store refuses writes (a
 * ClickHouse server gone): it must not say its checkpoints were written. Its
 * stop fails naming the partition, the group's offset and the checkpoint stay
 * where the last written checkpoint put them, and the next worker reads the
 * rest again: nothing is lost.
 */

let rig: AccountIpsRig;

beforeAll(async () => {
  rig = await startAccountIpsRig("stop-unwritten");
}, 120_000);

afterAll(async () => {
  await rig?.close();
});

/** The store, whose writes fail while `gone` is set; reads go through. */
function refusingWrites(store: ClickHouseClient) {
  const control = { gone: false };
  const refuse = () => Promise.reject(new Error("connect ECONNREFUSED 127.0.0.1:8123"));
  const writes = new Set<PropertyKey>(["insert", "exec", "command"]);
  const client = new Proxy(store, {
    get(target, property) {
      const value: unknown = Reflect.get(target, property, target);
      if (typeof value !== "function") return value;
      if (writes.has(property) && control.gone) return refuse;
      return value.bind(target);
    },
  });
  // The embedded store's rows go through its raw insert (a file chDB reads): refused the same way.
  const raw = rawInsertOf(store);
  if (raw === undefined) throw new Error("the embedded store has no raw insert");
  registerRawInsert(client, (params) => (control.gone ? refuse() : raw(params)));
  return { client, control };
}

test("a worker stopped while the store refuses writes says which checkpoints were not written, and the next worker loses nothing", async () => {
  const producer = createKafka(rig.kafkaConfig, silentLogger(), "-test").producer();
  await producer.connect();
  try {
    const store = refusingWrites(rig.client);
    const worker = await rig.startWorker({ store: store.client });
    for (let record = 0; record < 3; record++) await rig.produceLogins(producer, "ann@example.com", ["192.0.2.7"]);
    await waitFor(async () => (await rig.committedOffset()) === "3", "the first three records to be committed", 60_000);

    store.control.gone = true;
    await rig.produceLogins(producer, "ann@example.com", ["198.51.100.4"]);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    await expect(worker.stop()).rejects.toThrow(/account-ips partition\(s\) 0 could not be written.*nothing is lost/);
    rig.forget(worker);
    expect(await rig.committedOffset()).toBe("3");
    expect(await rig.checkpointOffset()).toBe("3");

    // The next worker, with a store that writes, reads record 3 again and counts the second address.
    await rig.startWorker();
    await waitFor(async () => (await rig.committedOffset()) === "4", "record 3 to be read again and committed", 60_000);
    expect(await rig.checkpointOffset()).toBe("4");
    const result = await rig.client.query({
      query: "SELECT ip, logins FROM account_ip_history FINAL WHERE user = {user:String} ORDER BY ip",
      query_params: { user: "ann@example.com" },
      format: "JSONEachRow",
    });
    expect(await result.json()).toEqual([
      { ip: "192.0.2.7", logins: expect.anything() },
      { ip: "198.51.100.4", logins: expect.anything() },
    ]);
  } finally {
    await producer.disconnect();
  }
}, 180_000);
