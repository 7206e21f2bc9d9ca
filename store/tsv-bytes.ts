import { escapeTsv } from "./tsv.js";

const SPECIAL = /[\\\t\n\r\0]/;

/**
 * TabSeparated rows written straight into bytes: values are appended to one
 * growing buffer, numbers digit by digit, so a few hundred thousand rows make
 * no string per value, per row or for the whole body.
 */
export class TsvBytes {
  private bytes = Buffer.allocUnsafe(256 * 1024);
  private used = 0;
  private rowCount = 0;
  private atRowStart = true;

  /** A string value, escaped for TabSeparated. */
  text(value: string): this {
    const text = SPECIAL.test(value) ? escapeTsv(value) : value;
    this.separate(text.length * 3);
    this.used += this.bytes.write(text, this.used, "utf8");
    return this;
  }

  /** A number value; integers (the common case) without making a string. */
  number(value: number): this {
    this.separate(24);
    if (!Number.isSafeInteger(value)) {
      this.used += this.bytes.write(String(value), this.used, "latin1");
      return this;
    }
    const bytes = this.bytes;
    let rest = value;
    if (rest < 0) {
      bytes[this.used++] = 45; // -
      rest = -rest;
    }
    const start = this.used;
    do {
      bytes[this.used++] = 48 + (rest % 10);
      rest = Math.floor(rest / 10);
    } while (rest > 0);
    // The digits went in backwards.
    for (let left = start, right = this.used - 1; left < right; left++, right--) {
      const digit = bytes[left] as number;
      bytes[left] = bytes[right] as number;
      bytes[right] = digit;
    }
    return this;
  }

  /** Ends the row. */
  endRow(): void {
    this.reserve(1);
    this.bytes[this.used++] = 10;
    this.rowCount += 1;
    this.atRowStart = true;
  }

  get rows(): number {
    return this.rowCount;
  }

  /** The rows written (each ending with a newline), in a buffer of their own. */
  take(): { bytes: Uint8Array; rows: number } {
    const taken = { bytes: Uint8Array.prototype.slice.call(this.bytes, 0, this.used), rows: this.rowCount };
    this.used = 0;
    this.rowCount = 0;
    this.atRowStart = true;
    return taken;
  }

  /** A tab before every value but a row's first, with room for `extra` bytes after it. */
  private separate(extra: number): void {
    this.reserve(extra + 1);
    if (!this.atRowStart) this.bytes[this.used++] = 9;
    this.atRowStart = false;
  }

  private reserve(extra: number): void {
    if (this.used + extra <= this.bytes.length) return;
    const grown = Buffer.allocUnsafe(Math.max(this.bytes.length * 2, this.used + extra));
    this.bytes.copy(grown, 0, 0, this.used);
    this.bytes = grown;
  }
}
