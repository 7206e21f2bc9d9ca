/**
 * `npm run dashboards:build`: writes dashboards/generated/<id>.json and the
 * provisioning files (with the default addresses) into
 * dashboards/provisioning/. Both are committed; a contract test fails when
 * they are stale.
 */
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { dashboardJson, provisioningFiles } from "./provisioning-files.js";
import { DASHBOARDS } from "./registry.js";

const root = resolve(import.meta.dirname, "..", "..", "dashboards");
rmSync(join(root, "generated"), { recursive: true, force: true });
mkdirSync(join(root, "generated"), { recursive: true });
for (const definition of DASHBOARDS)
  writeFileSync(join(root, "generated", `${definition.id}.json`), dashboardJson(definition.build()));
rmSync(join(root, "provisioning"), { recursive: true, force: true });
for (const [path, text] of Object.entries(provisioningFiles())) {
  if (path.startsWith("dashboards/json/")) continue;
  const target = join(root, "provisioning", path);
  mkdirSync(dirname(target), { recursive: true });
  writeFileSync(target, text);
}
process.stdout.write(
  `wrote ${DASHBOARDS.length} dashboards into dashboards/generated and the provisioning files into dashboards/provisioning\n`,
);
