import { describe, expect, test } from "vitest";
import { parse } from "yaml";
import { parseInventory, selectHosts } from "../../../actions/inventory.js";

const inventory = parseInventory(
  parse(`
all:
  vars:
    ansible_user: deploy
    vigil_hosts_file: /etc/hosts
  children:
    web:
      vars:
        ansible_port: 2222
      hosts:
        web-1:
          ansible_host: 10.0.0.11
        web-2:
          ansible_host: 10.0.0.12
          ansible_user: admin
      children:
        web_eu:
          hosts:
            web-3: { ansible_host: 10.0.1.13, ansible_port: 22 }
    db:
      hosts:
        db-1:
    mail:
      hosts:
        mail-1:
          ansible_ssh_private_key_file: keys/mail
`),
  "/srv/inv/inventory.yml",
);

describe("Ansible YAML inventory", () => {
  test("hosts take vars from the outermost group inwards, then their own", () => {
    const web2 = inventory.hosts.get("web-2");
    expect(web2).toMatchObject({ address: "10.0.0.12", port: 2222, user: "admin" });
    expect(web2?.vars.vigil_hosts_file).toBe("/etc/hosts");
    expect(inventory.hosts.get("web-3")).toMatchObject({ address: "10.0.1.13", port: 22, user: "deploy" });
    // A host without ansible_host is reached by its name; key paths are relative to the inventory.
    expect(inventory.hosts.get("db-1")).toMatchObject({ address: "db-1", port: 22 });
    expect(inventory.hosts.get("mail-1")?.keyFile).toBe("/srv/inv/keys/mail");
  });

  test("patterns: groups with their children, unions, intersections, exclusions, single hosts", () => {
    const names = (pattern: string) => selectHosts(inventory, pattern).map((host) => host.name);
    expect(names("web")).toEqual(["web-1", "web-2", "web-3"]);
    expect(names("web_eu:db")).toEqual(["web-3", "db-1"]);
    expect(names("all:!web")).toEqual(["db-1", "mail-1"]);
    expect(names("web:&web_eu")).toEqual(["web-3"]);
    expect(names("mail-1")).toEqual(["mail-1"]);
    expect(() => names("nosuch")).toThrow(/no group or host named "nosuch"/);
  });

  test("a group that is not a mapping of hosts, children and vars is named in the error", () => {
    expect(() => parseInventory({ all: { hostz: {} } }, "inv.yml")).toThrow(/group all/);
    expect(() => parseInventory({ web: { hosts: { w: { ansible_port: "x" } } } }, "inv.yml")).toThrow(/host w: port/);
  });
});
