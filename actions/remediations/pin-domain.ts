import { z } from "zod";
import { defineRemediation, shellScript } from "./define-remediation.js";
import { absolutePath, domainName, ipAddress } from "./param-types.js";

/**
 * Makes a server resolve DOMAIN to itself through its hosts file: the fix
 * when a site's code fetches its own domain and the DNS still leads to an
 * old host. Lines that map DOMAIN elsewhere are commented out (a line that
 * also names other hosts keeps them, on a copy without DOMAIN), every other
 * line is kept, the previous file is kept as HOSTS.vigil-backup, and the new
 * file replaces the old one by rename (atomically; mode and owner kept).
 * Running it again changes nothing. `--undo` restores what it changed.
 */
const PIN_MARK = "# vigil pin-domain";

/**
 * Renames the new file over the old one (atomic). A hosts file that is a
 * mount point (a container's, or a network namespace's bound by ip netns
 * exec) cannot be renamed over, and programs already running see the
 * mounted file only: it is rewritten in place instead, and said so.
 */
const REPLACE_FILE = `replace_file() {
  if mv -f "$1" "$2" 2>/dev/null; then return 0; fi
  cat "$1" > "$2" && rm -f "$1" && echo "note: $2 is a mount point (a container's or a network namespace's hosts file): rewritten in place" >&2
}`;

const APPLY = `set -eu
${REPLACE_FILE}
f=$1; domain=$2; address=$3
[ -f "$f" ] || { echo "vigil: $f does not exist on this server" >&2; exit 3; }
tmp="$f.vigil-tmp.$$"
trap 'rm -f "$tmp"' EXIT
cp -p "$f" "$tmp"
VIGIL_DOMAIN="$domain" VIGIL_ADDRESS="$address" awk '
  BEGIN { d = ENVIRON["VIGIL_DOMAIN"]; a = ENVIRON["VIGIL_ADDRESS"]; mark = "${PIN_MARK}"; off = "#vigil-unpinned(" d ")# "; split_mark = " " mark " split " d }
  function ends_with(s, t) { return length(s) >= length(t) && substr(s, length(s) - length(t) + 1) == t }
  ends_with($0, " " mark) && tolower($2) == d { next }
  /^[ \\t]*#/ { print; next }
  {
    hit = 0; rest = ""
    for (i = 2; i <= NF; i++) {
      if (substr($i, 1, 1) == "#") break
      if (tolower($i) == d) hit = 1; else rest = rest " " $i
    }
    if (!hit) { print; next }
    print off $0
    if (rest != "") print $1 rest split_mark
  }
  END { print a " " d " " mark }
' "$f" > "$tmp"
if cmp -s "$tmp" "$f"; then echo "unchanged: $domain already resolves to $address through $f"; exit 0; fi
cp -p "$f" "$f.vigil-backup"
replace_file "$tmp" "$f"
echo "pinned: $domain -> $address in $f (previous file: $f.vigil-backup)"`;

const UNDO = `set -eu
${REPLACE_FILE}
f=$1; domain=$2
[ -f "$f" ] || { echo "vigil: $f does not exist on this server" >&2; exit 3; }
tmp="$f.vigil-tmp.$$"
trap 'rm -f "$tmp"' EXIT
cp -p "$f" "$tmp"
VIGIL_DOMAIN="$domain" awk '
  BEGIN { d = ENVIRON["VIGIL_DOMAIN"]; mark = "${PIN_MARK}"; off = "#vigil-unpinned(" d ")# "; split_mark = " " mark " split " d }
  function ends_with(s, t) { return length(s) >= length(t) && substr(s, length(s) - length(t) + 1) == t }
  ends_with($0, " " mark) && tolower($2) == d { next }
  ends_with($0, split_mark) { next }
  substr($0, 1, length(off)) == off { print substr($0, length(off) + 1); next }
  { print }
' "$f" > "$tmp"
if cmp -s "$tmp" "$f"; then echo "unchanged: $domain was not pinned in $f"; exit 0; fi
cp -p "$f" "$f.vigil-backup"
replace_file "$tmp" "$f"
echo "unpinned: $domain in $f (previous file: $f.vigil-backup)"`;

export const pinDomain = defineRemediation({
  id: "pin-domain",
  summary: "make every server of the group resolve DOMAIN to itself (127.0.0.1) through its hosts file",
  params: z
    .object({
      domain: domainName.describe("the domain to pin"),
      address: ipAddress.default("127.0.0.1").describe("the address to pin it to"),
      hostsFile: absolutePath.default("/etc/hosts").describe("the hosts file on the server"),
    })
    .strict(),
  positional: ["domain"],
  subject: { param: "domain", kind: "domain" },
  apply: (p) => [
    shellScript(
      "vigil-pin-domain",
      APPLY,
      [p.hostsFile, p.domain, p.address],
      `pin ${p.domain} to ${p.address} in ${p.hostsFile}`,
    ),
  ],
  revert: {
    verb: "unpin-domain",
    summary: "remove the pin of DOMAIN and restore the lines it had disabled",
    steps: (p) => [
      shellScript("vigil-unpin-domain", UNDO, [p.hostsFile, p.domain], `unpin ${p.domain} in ${p.hostsFile}`),
    ],
  },
  examples: [
    "vigil actions pin-domain shop.example.com -g web",
    "vigil actions pin-domain shop.example.com -g web --undo",
  ],
});
