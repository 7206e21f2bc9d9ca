/**
 * The one function that turns an argv list into text for a remote POSIX
 * shell. sshd hands the command to the account's login shell (`sh -c`), so
 * every argument is single-quoted: inside single quotes a POSIX shell expands
 * nothing, and a single quote itself is written as '\'' (close, escaped
 * quote, reopen). Whatever a log put into an argument (`;`, `$(...)`,
 * backticks, quotes, newlines, globs) reaches the remote program as that one
 * argument. NUL cannot be passed in argv at all and is refused.
 */
export function quoteArgv(argv: readonly string[]): string {
  if (argv.length === 0) throw new Error("quoteArgv: an empty command has nothing to run");
  return argv.map(quoteArg).join(" ");
}

const PLAIN = /^[A-Za-z0-9_@%+=:,./-]+$/;

export function quoteArg(arg: string): string {
  if (arg.includes("\0")) throw new Error("quoteArg: an argument cannot contain a NUL byte");
  if (PLAIN.test(arg)) return arg;
  return `'${arg.replaceAll("'", `'\\''`)}'`;
}
