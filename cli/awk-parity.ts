/**
 * Prints what the admins' one-liner prints for the same lines:
 *
 *   awk '/LOGIN,/ {if (index(i[$12], $13) == 0) i[$12]=i[$12] " " $13}
 *        END {for(p in i) {print split(i[p], a, " ") " " p " " i[p]}}' maillog | sort -n | grep -v '^1 '
 *
 * including its quirk: `index()` is a substring test, so an address that is a
 * substring of one already listed (1.2.3.4 after 11.2.3.45) is not added.
 * Given each user's distinct addresses in the order awk first met them, the
 * fate of every address is decided at its first sighting (the list only
 * grows), so filtering that order reproduces awk exactly. Lines are sorted as
 * `LC_ALL=C sort -n` sorts them: by the leading number, then bytewise.
 */
export function formatAwkLines(users: readonly { user: string; ips: readonly string[] }[]): string {
  const lines: { count: number; line: Buffer }[] = [];
  for (const { user, ips } of users) {
    let list = "";
    let count = 0;
    for (const ip of ips) {
      if (ip === "" || list.includes(ip)) continue;
      list = `${list} ${ip}`;
      count += 1;
    }
    if (count <= 1) continue;
    lines.push({ count, line: Buffer.from(`${count} ${user} ${list}\n`) });
  }
  lines.sort((a, b) => a.count - b.count || Buffer.compare(a.line, b.line));
  return Buffer.concat(lines.map((entry) => entry.line)).toString();
}
