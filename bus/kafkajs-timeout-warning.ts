/**
 * kafkajs 2.2.4 (the last release) schedules its request queue's next check with a delay that is, while no
 * broker throttles it, a negative timestamp (tulios/kafkajs#1751, still open upstream). Node has always run
 * such a timer after 1 ms, which is what kafkajs wants; since Node 23 it also prints a
 * `TimeoutNegativeWarning` for it, on every connection of every shipper and worker
 * ("-1796588204223 is a negative number"), which reads like a fault and is none.
 *
 * This hides exactly that warning: its name is TimeoutNegativeWarning and the timer was set in kafkajs'
 * code (its stack names a `kafkajs` folder). Every other warning, including a negative timer of Vigil's
 * own, still reaches Node's printers as before; with `--no-warnings` there are none to wrap.
 */
export function hideKafkajsTimeoutWarning(target: NodeJS.Process = process): void {
  if (wrapped.has(target)) return;
  wrapped.add(target);
  const printers = target.listeners("warning") as Array<(warning: Error) => void>;
  if (printers.length === 0) return;
  for (const printer of printers) target.removeListener("warning", printer);
  target.on("warning", (warning: Error) => {
    if (isKafkajsTimeoutWarning(warning)) return;
    for (const printer of printers) printer(warning);
  });
}

const wrapped = new WeakSet<NodeJS.Process>();

export function isKafkajsTimeoutWarning(warning: Error): boolean {
  return warning.name === "TimeoutNegativeWarning" && KAFKAJS_FRAME.test(warning.stack ?? "");
}
const KAFKAJS_FRAME = /[\\/]node_modules[\\/]kafkajs[\\/]/;
