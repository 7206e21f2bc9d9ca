import { readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { describePlan, planRemediation } from "../../actions/plan-remediation.js";
import { REMEDIATIONS } from "../../actions/remediations/registry.js";
import { repoRoot } from "../helpers/vigil-cli.js";

const host = { name: "web-1", address: "10.0.0.11", port: 22, user: "root", vars: {} };

describe.each(REMEDIATIONS.map((remediation) => [remediation.id, remediation] as const))(
  "remediation %s",
  (id, remediation) => {
    test("declares how it is undone, or that it cannot be", () => {
      expect("irreversible" in remediation.revert || typeof remediation.revert.steps === "function").toBe(true);
    });

    test("documents every parameter and gives examples", () => {
      for (const [key, field] of Object.entries(remediation.params.shape as Record<string, { description?: string }>)) {
        expect(field.description, `${id}.${key}`).toBeTruthy();
      }
      expect(remediation.examples.length).toBeGreaterThan(0);
      for (const example of remediation.examples)
        expect(example).toMatch(new RegExp(`^vigil actions (${id}|[a-z-]+) `));
    });

    test("each example has a dry run: a plan of argv steps for a host", () => {
      for (const example of remediation.examples) {
        const words = example.split(" ").slice(2);
        const verb = words[0] as string;
        const undo = verb !== id || words.includes("--undo");
        const params: Record<string, unknown> = {};
        remediation.positional.forEach((key, index) => {
          params[key] = words[index + 1];
        });
        for (let index = 0; index < words.length; index++) {
          const word = words[index] as string;
          if (word.startsWith("--") && !["--undo", "--dry-run"].includes(word)) {
            params[word.slice(2).replace(/-([a-z])/g, (_, letter: string) => letter.toUpperCase())] = words[index + 1];
          }
        }
        const plans = planRemediation({
          remediation,
          params,
          hosts: [host],
          undo,
          sudo: false,
        });
        expect(plans[0]?.steps.length).toBeGreaterThan(0);
        for (const step of plans[0]?.steps ?? []) expect(Array.isArray(step.argv)).toBe(true);
        expect(describePlan(plans)).toContain("web-1 (root@10.0.0.11:22):");
      }
    });
  },
);

test("every file in actions/remediations/ is registered", () => {
  const files = readdirSync(join(repoRoot, "actions", "remediations"))
    .filter(
      (file) => file.endsWith(".ts") && !["registry.ts", "define-remediation.ts", "param-types.ts"].includes(file),
    )
    .map((file) => file.replace(/\.ts$/, ""));
  expect(files.sort()).toEqual(REMEDIATIONS.map((remediation) => remediation.id).sort());
});
