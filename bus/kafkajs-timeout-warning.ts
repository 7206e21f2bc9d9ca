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
export function hideKafkajsTimeoutWarning(): void {
  if (hidden) return;
  hidden = true;
  const printers = process.listeners("warning");
  for (const printer of printers) process.removeListener("warning", printer);
  if (printers.length === 0) return;
  process.on("warning", (warning) => {
    if (isKafkajsTimeoutWarning(warning)) return;
    for (const printer of printers) printer(warning);
  });
}
let hidden = false;

function isKafkajsTimeoutWarning(warning: Error): boolean {
  return warning.name === "TimeoutNegativeWarning" && KAFKAJS_FRAME.test(warning.stack ?? "");
}
const KAFKAJS_FRAME = /[\\/]node_modules[\\/]kafkajs[\\/]/;
