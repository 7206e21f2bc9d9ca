/** The account key: trimmed, surrounding `<...>` dropped, lower case. The raw form is kept beside it. */
export function normalizeUser(raw: string): string {
  let user = raw.trim();
  if (user.startsWith("<") && user.endsWith(">")) user = user.slice(1, -1).trim();
  return user.toLowerCase();
}
