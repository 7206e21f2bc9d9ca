import { statSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, expect, test } from "vitest";
import { tempDir } from "../helpers/vigil-cli.js";

// The parse worker runs compiled code (a worker thread loads dist/), so this test uses dist/ throughout.
const dist = resolve(import.meta.dirname, "..", "..", "dist");
const load = async <Module>(path: string): Promise<Module> => (await import(join(dist, path))) as Module;
type Modules = {
  readFileChunks: typeof import("../../ingest/read-file-chunks.js").readFileChunks;
  createAccountIpsProcessor: typeof import("../../processors/account-ips/account-ips-processor.js").createAccountIpsProcessor;
  loadAsnDatabase: typeof import("../../processors/account-ips/asn-database.js").loadAsnDatabase;
  createMailLineParser: typeof import("../../processors/parse/mail-line-parser.js").createMailLineParser;
  createMailParseWorker: typeof import("../../processors/parse-worker/mail-parse-worker.js").createMailParseWorker;
  encodeEventRow: typeof import("../../processors/mail-event-rows.js").encodeEventRow;
  EVENT_COLUMNS: typeof import("../../processors/mail-event-rows.js").EVENT_COLUMNS;
  createStoreClient: typeof import("../../store/create-store-client.js").createStoreClient;
  migrate: typeof import("../../store/migrate.js").migrate;
  insertTsvRows: typeof import("../../store/insert-rows.js").insertTsvRows;
  insertNativeBlocks: typeof import("../../store/insert-rows.js").insertNativeBlocks;
  AccountIpsSchema: typeof import("../../schemas/config.js").AccountIpsSchema;
  buildMailScenario: typeof import("../../demo/mail-scenario.js").buildMailScenario;
  writeMailLogs: typeof import("../../demo/write-mail-logs.js").writeMailLogs;
};
async function modules(): Promise<Modules> {
  return {
    ...(await load<Pick<Modules, "readFileChunks">>("ingest/read-file-chunks.js")),
    ...(await load<Pick<Modules, "createAccountIpsProcessor">>("processors/account-ips/account-ips-processor.js")),
    ...(await load<Pick<Modules, "loadAsnDatabase">>("processors/account-ips/asn-database.js")),
    ...(await load<Pick<Modules, "createMailLineParser">>("processors/parse/mail-line-parser.js")),
    ...(await load<Pick<Modules, "createMailParseWorker">>("processors/parse-worker/mail-parse-worker.js")),
    ...(await load<Pick<Modules, "encodeEventRow" | "EVENT_COLUMNS">>("processors/mail-event-rows.js")),
    ...(await load<Pick<Modules, "createStoreClient">>("store/create-store-client.js")),
    ...(await load<Pick<Modules, "migrate">>("store/migrate.js")),
    ...(await load<Pick<Modules, "insertTsvRows" | "insertNativeBlocks">>("store/insert-rows.js")),
    ...(await load<Pick<Modules, "AccountIpsSchema">>("schemas/config.js")),
    ...(await load<Pick<Modules, "buildMailScenario">>("demo/mail-scenario.js")),
    ...(await load<Pick<Modules, "writeMailLogs">>("demo/write-mail-logs.js")),
  };
}

const hostileLines = [
  "Nov 24 10:00:00 mx1 dovecot: imap-login: Login: user=<Jürgen@Exämple.de>, method=PLAIN, rip=2001:db8::7, lip=::1, mpid=1, TLS",
  "Nov 24 10:00:01 mx1 dovecot: imap-login: Login: user=<ユーザー>, method=PLAIN, rip=::ffff:192.0.2.7, lip=::1, mpid=2, TLS",
  "Nov 24 10:00:02 mx1 dovecot: imap-login: Login: user=<x;touch /tmp/pwned>, method=PLAIN, rip=[2001:db8::7], lip=::1, mpid=3",
  "Nov 24 10:00:03 mx1 dovecot: imap-login: Login: user=<jürgen@exämple.de>, method=PLAIN, rip=192.0.2.7, lip=::1, mpid=4",
  "Nov 24 10:00:04 mx1 postfix/smtpd[1]: warning: unknown[198.51.100.3]: SASL LOGIN authentication failed: UGFzc3dvcmQ6",
  "Nov 24 10:00:05 mx1 postfix/smtpd[1]: 4F1: client=unknown[203.0.113.5], sasl_method=PLAIN, sasl_username=Ann\tTab",
];

describe("parse worker", () => {
  test("an import through the parse worker aggregates exactly like parsing on the main thread, rows and state alike", async () => {
    const m = await modules();
    const dir = tempDir("parse-worker");
    const end = Date.UTC(2026, 10, 25);
    const scenario = m.buildMailScenario({ seed: 9, users: 300, start: end - 12 * 3_600_000, hours: 12 });
    const written = await m.writeMailLogs({ scenario, dir, seed: 9 });
    const hostile = join(dir, "hostile.log");
    writeFileSync(
      hostile,
      Buffer.concat([
        Buffer.from(`${hostileLines.join("\n")}\n`),
        Buffer.from([0xff, 0xfe, 0x0a]),
        Buffer.from(`${hostileLines[0]?.replace("Jürgen", "J\uFFFDrgen")}\n`),
      ]),
    );
    // The one-liner's layout: the worker finds pairs by the raw bytes of the two fields, so spellings of one
    // pair (case, an IPv4-mapped address) must still land on one record.
    const awkLogin = join(dir, "awk-login.log");
    const spellings = [
      "Ann@Example.com 192.0.2.7",
      "ann@example.com ::ffff:192.0.2.7",
      "ann@example.com 192.0.2.7",
      "bob@example.com 192.0.2.77",
      "ANN@EXAMPLE.COM [::ffff:192.0.2.7]",
    ];
    const clock = (line: number) =>
      [10 + Math.floor(line / 3600), Math.floor(line / 60) % 60, line % 60]
        .map((part) => String(part).padStart(2, "0"))
        .join(":");
    writeFileSync(
      awkLogin,
      Array.from(
        { length: 20_000 },
        (_, line) =>
          `Nov 24 ${clock(line)} mx1 vpopmail[2231]: vchkpw-pop3: LOGIN, proto=POP3 auth=PLAIN tls=yes session=s${line} ${spellings[line % spellings.length]}\n`,
      ).join(""),
    );
    const files = [
      ...written.files.map((file) => ({ path: file.path, format: file.format })),
      { path: hostile, format: "auto" },
      { path: awkLogin, format: "awk-login" },
    ];
    const config = m.AccountIpsSchema.parse({});
    const asnDatabase = m.loadAsnDatabase();
    const chunkBytes = 64 * 1024; // many chunks, so pairs first seen in one are met again in later ones

    const summarize = (processor: ReturnType<Modules["createAccountIpsProcessor"]>, rows: string[]) => {
      const changes = processor.collect({ closeAll: true, flushOpen: true });
      for (const kind of ["history", "windows", "alerts"] as const)
        for (const row of changes[kind]) rows.push(`${kind} ${JSON.stringify(row)}`);
      return { rows: rows.sort(), snapshot: processor.snapshot() };
    };
    const options = (path: string, format: string) => ({
      format,
      fieldMaps: {},
      timezone: "UTC",
      referenceTime: statSync(path).mtimeMs,
    });

    // Rows in the order collected (alerts in the order raised), for the batches compared below.
    const collectInOrder = (processor: ReturnType<Modules["createAccountIpsProcessor"]>, rows: string[]) => {
      const changes = processor.collect();
      for (const kind of ["history", "windows"] as const)
        rows.push(...changes[kind].map((row) => `${kind} ${JSON.stringify(row)}`).sort());
      for (const alert of changes.alerts) rows.push(`alerts ${JSON.stringify(alert)}`);
    };
    const BATCH_CHUNKS = 5;

    // On the main thread, one event at a time.
    const direct = m.createAccountIpsProcessor({ config, asnDatabase });
    const directRows: string[] = [];
    const directEvents: string[] = [];
    // The same, collected every few chunks only.
    const directBatched = m.createAccountIpsProcessor({ config, asnDatabase });
    const directBatchedRows: string[] = [];
    let directChunks = 0;
    for (const file of files) {
      const parser = m.createMailLineParser(options(file.path, file.format));
      let sourceId = "";
      for await (const chunk of m.readFileChunks(file.path, { chunkBytes })) {
        sourceId = chunk.sourceId;
        parser.parseChunk(chunk.data, chunk.startOffset, {
          event(event, offset) {
            directEvents.push(m.encodeEventRow(event, chunk.sourceId, offset));
            direct.fold({ ...event, sourceId: chunk.sourceId, offset });
            directBatched.fold({ ...event, sourceId: chunk.sourceId, offset });
          },
          unparsed() {},
          skipped() {},
        });
        for (const kind of ["history", "windows", "alerts"] as const)
          for (const row of direct.collect()[kind]) directRows.push(`${kind} ${JSON.stringify(row)}`);
        if (++directChunks % BATCH_CHUNKS === 0) collectInOrder(directBatched, directBatchedRows);
      }
      direct.finishSource(sourceId);
      directBatched.finishSource(sourceId);
    }

    // Through the worker, with the state saved and restored half-way.
    const viaWorker = m.createAccountIpsProcessor({ config, asnDatabase });
    // And through the worker with several chunks to a collection: their events are folded together, grouped by user.
    const batched = m.createAccountIpsProcessor({ config, asnDatabase });
    const batchedRows: string[] = [];
    const worker = m.createMailParseWorker();
    const workerRows: string[] = [];
    const workerBlocks: Uint8Array[] = [];
    let workerEventCount = 0;
    let chunks = 0;
    let sharedChunks = 0;
    try {
      for (const file of files) {
        const parserId = worker.defineParser(options(file.path, file.format));
        let sourceId = "";
        // Read into memory shared with the worker, as an import does.
        for await (const chunk of m.readFileChunks(file.path, { chunkBytes, sharedMemory: worker.sharedMemory })) {
          if (chunk.releaseShared !== undefined) sharedChunks += 1;
          const parsed = await worker.parse(parserId, chunk);
          sourceId = parsed.sourceId;
          viaWorker.foldParsed(parsed);
          batched.foldParsed(parsed);
          workerBlocks.push(parsed.eventRows);
          workerEventCount += parsed.events;
          for (const kind of ["history", "windows", "alerts"] as const)
            for (const row of viaWorker.collect()[kind]) workerRows.push(`${kind} ${JSON.stringify(row)}`);
          if (++chunks === 7) viaWorker.restore(JSON.parse(JSON.stringify(viaWorker.snapshot())));
          if (chunks % BATCH_CHUNKS === 0) collectInOrder(batched, batchedRows);
        }
        viaWorker.finishSource(sourceId);
        batched.finishSource(sourceId);
      }
      // Every chunk's shared memory was given back as its answer came.
      expect(sharedChunks).toBeGreaterThan(chunks / 2);
      expect(worker.sharedMemory.freeSlots).toBe(worker.sharedMemory.slots);
    } finally {
      await worker.close();
    }

    // The worker's events (Native blocks) and the main thread's (TabSeparated) read back the same from the store.
    const storedEvents = async (
      name: string,
      write: (client: ReturnType<Modules["createStoreClient"]>) => Promise<void>,
    ) => {
      const client = m.createStoreClient({ dataDir: join(dir, name) });
      try {
        await m.migrate(client);
        await write(client);
        const result = await client.query({
          query: `SELECT ${m.EVENT_COLUMNS.join(", ")} FROM mail_auth_events ORDER BY source_id, offset`,
          format: "TabSeparated",
        });
        return (await result.text()).split("\n").slice(0, -1);
      } finally {
        await client.close();
      }
    };
    const columns = m.EVENT_COLUMNS;
    const workerEvents = await storedEvents("store-worker", (client) =>
      m.insertNativeBlocks(client, {
        table: "mail_auth_events",
        columns,
        blocks: workerBlocks,
        rows: workerEventCount,
      }),
    );
    const mainThreadEvents = await storedEvents("store-main", (client) =>
      m.insertTsvRows(client, { table: "mail_auth_events", columns, rows: directEvents }),
    );

    expect(chunks).toBeGreaterThan(7);
    expect(workerEvents.length).toBe(directEvents.length);
    expect(workerEvents).toEqual(mainThreadEvents);
    expect(workerEvents.some((row) => row.includes("2001:db8::7"))).toBe(true);
    expect(workerEvents.filter((row) => row.includes("\tawk-login\t")).length).toBe(20_000);
    const fromWorker = summarize(viaWorker, workerRows);
    const fromDirect = summarize(direct, directRows);
    expect(fromWorker.rows.length).toBeGreaterThan(1000);
    expect(fromWorker.rows).toEqual(fromDirect.rows);
    expect(fromWorker.snapshot).toEqual(fromDirect.snapshot);
    // Batches grouped by user: the same rows, the alerts in the same order, the same state.
    expect(chunks).toBe(directChunks);
    collectInOrder(batched, batchedRows);
    collectInOrder(directBatched, directBatchedRows);
    expect(batchedRows.filter((row) => row.startsWith("alerts ")).length).toBeGreaterThan(1);
    expect(batchedRows).toEqual(directBatchedRows);
    expect(batched.snapshot()).toEqual(directBatched.snapshot());
    const ann = fromWorker.snapshot.users.find((user) => user.u === "ann@example.com");
    expect(ann?.ips.map(([ip, , , logins]) => [ip, logins])).toEqual([["192.0.2.7", 16_000]]);
  }, 120_000);
});
