import { z } from "zod";
import { InputError } from "../../runtime/errors.js";
import { defineRemediation, type RemoteStep, shellScript } from "./define-remediation.js";
import { absolutePath } from "./param-types.js";

/**
 * Swaps a live site for a "sorry, down for maintenance" page and back. The
 * site path (the DocumentRoot Apache serves) becomes a symlink whose target
 * is replaced by rename, so a request sees either the live site or the sorry
 * page, never a missing folder. A site that is a plain folder is moved aside
 * once to SITE.vigil-live (the only moment with a gap, of microseconds); a
 * site that is already a symlink (the usual deploy layout) keeps its target,
 * noted in SITE.vigil-live.target until `off` puts it back.
 */
const ON = `set -eu
site=$1; sorry=$2
saved="$site.vigil-live"
[ -e "$sorry" ] || { echo "vigil: the maintenance page $sorry does not exist on this server" >&2; exit 3; }
if [ -L "$site" ] && [ "$(readlink "$site")" = "$sorry" ]; then echo "unchanged: $site already shows $sorry"; exit 0; fi
ln -sfn "$sorry" "$site.vigil-tmp"
if [ -f "$saved.target" ]; then
  : # another maintenance page is on: the live target noted stays the one to go back to
elif [ -L "$site" ]; then
  readlink "$site" > "$saved.target.tmp"; mv -f "$saved.target.tmp" "$saved.target"
elif [ -d "$site" ]; then
  [ ! -e "$saved" ] || { echo "vigil: $saved is in the way; move it and try again" >&2; exit 3; }
  printf '%s\\n' "$saved" > "$saved.target.tmp"; mv -f "$saved.target.tmp" "$saved.target"
  mv "$site" "$saved"
else
  rm -f "$site.vigil-tmp"; echo "vigil: $site is neither a folder nor a symlink" >&2; exit 3
fi
mv -Tf "$site.vigil-tmp" "$site"
echo "sorry page on: $site -> $sorry (live site: $(cat "$saved.target"))"`;

const OFF = `set -eu
site=$1
saved="$site.vigil-live"
if [ -f "$site.vigil-deadman" ]; then
  pid=$(cat "$site.vigil-deadman"); rm -f "$site.vigil-deadman"
  kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
fi
[ -f "$saved.target" ] || { echo "unchanged: $site is live"; exit 0; }
target=$(cat "$saved.target")
ln -sfn "$target" "$site.vigil-tmp"
mv -Tf "$site.vigil-tmp" "$site"
rm -f "$saved.target"
echo "live again: $site -> $target"`;

/**
 * The dead-man switch: a detached timer on the server (setsid, no terminal,
 * no open pipes, so it outlives the SSH session and Vigil) that runs `off`
 * after SECONDS unless `off` ran first (it removes the timer). Armed before
 * the swap, so a Vigil that dies mid-job cannot leave the sorry page up.
 */
const ARM = `set -eu
site=$1; seconds=$2; off=$3
if [ -f "$site.vigil-deadman" ]; then kill -TERM -- "-$(cat "$site.vigil-deadman")" 2>/dev/null || true; fi
setsid sh -c 'sleep "$2"; rm -f "$1.vigil-deadman"; sh -c "$3" vigil-sorry-off "$1"' vigil-deadman "$site" "$seconds" "$off" </dev/null >/dev/null 2>&1 &
echo $! > "$site.vigil-deadman"
echo "dead-man switch armed: $site goes live again in $seconds s unless the job ends first"`;

export function offSteps(site: string): RemoteStep[] {
  return [shellScript("vigil-sorry-off", OFF, [site], `put the live site back at ${site}`)];
}

export function armDeadmanStep(site: string, seconds: number): RemoteStep {
  return shellScript(
    "vigil-deadman",
    ARM,
    [site, String(seconds), OFF],
    `arm a dead-man switch: ${site} goes live in ${seconds} s`,
  );
}

export function onSteps(site: string, sorry: string): RemoteStep[] {
  return [shellScript("vigil-sorry-on", ON, [site, sorry], `show ${sorry} at ${site}`)];
}

export const sorrySite = defineRemediation({
  id: "sorry-site",
  summary: "swap the live site for a maintenance page (on) or put it back (off), atomically",
  params: z
    .object({
      state: z.enum(["on", "off"]).describe("on: show the maintenance page; off: the live site again"),
      site: absolutePath.describe("the site's document root, as Apache serves it"),
      sorry: absolutePath.optional().describe("the folder of the maintenance page (needed for on)"),
    })
    .strict(),
  positional: ["state"],
  apply: (p) => {
    if (p.state === "off") return offSteps(p.site);
    if (p.sorry === undefined)
      throw new InputError("sorry-site on needs --sorry PATH", "give the folder of the maintenance page");
    return onSteps(p.site, p.sorry);
  },
  revert: { summary: "the live site again (sorry-site off)", steps: (p) => offSteps(p.site) },
  examples: [
    "vigil actions sorry-site on -g web --site /var/www/shop --sorry /var/www/sorry",
    "vigil actions sorry-site off -g web --site /var/www/shop",
  ],
});
