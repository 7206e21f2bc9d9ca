/** The next capacity (in entries) of a table that must hold `needed` entries: doubling, so growing costs O(1) per entry. */
export function nextCapacity(current: number, needed: number): number {
  let capacity = Math.max(current, 1024);
  while (capacity < needed) capacity *= 2;
  return capacity;
}

/** A typed-array column of exactly `length` entries holding what `column` held (returned as is when long enough). */
export function grownColumn<Column extends Float64Array | Int32Array>(column: Column, length: number): Column {
  if (length <= column.length) return column;
  const grown = new (column.constructor as new (length: number) => Column)(length);
  grown.set(column);
  return grown;
}

/**
 * Rows of `stride` numbers each, in one array: `rows` holding what `data` held (returned as is when long
 * enough), grown by `nextCapacity` rows.
 */
export function grownRows<Rows extends Float64Array>(data: Rows, stride: number, rows: number): Rows {
  if (rows * stride <= data.length) return data;
  return grownColumn(data, nextCapacity(data.length / stride, rows) * stride);
}
