/**
 * An empty array whose elements already have the kind of `sample` (strings; numbers stored as doubles):
 * V8 then never changes its kind as values are pushed. A worker's answer collects its new names and
 * locations in fresh arrays every chunk; made as `[]`, each started as an array of small integers, and
 * the first string or large number pushed threw the pushing code's compiled form away ("not a Smi",
 * "wrong map"), to be compiled again, several times per run.
 */
export function emptyColumn<Value>(sample: Value): Value[] {
  const column = [sample];
  column.pop();
  return column;
}
