/**
 * Streaming reads of the archive by `COPY (SELECT …) TO STDOUT`: Postgres streams the rows while
 * the replay works on the previous chunk, and a row costs one string split instead of a pg row
 * object (the replay's read path, ADR 0071).
 */
import type { PoolClient } from '@exchange/db';
import { StringDecoder } from 'node:string_decoder';
import { to as copyTo } from 'pg-copy-streams';

/** The lines of a COPY TO STDOUT (text format), in chunks as they arrive (each a whole line). */
export async function* copyLines(client: PoolClient, sql: string): AsyncGenerator<string[]> {
  const stream = client.query(copyTo(sql));
  const decoder = new StringDecoder('utf8');
  let rest = '';
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    const text = rest + decoder.write(chunk);
    const cut = text.lastIndexOf('\n');
    if (cut < 0) {
      rest = text;
      continue;
    }
    rest = text.slice(cut + 1);
    yield text.slice(0, cut).split('\n');
  }
  rest += decoder.end();
  if (rest.length > 0) yield [rest];
}

/** One line at a time with look-ahead, for merging two ordered streams. */
export class LineCursor {
  private lines: string[] = [];
  private k = 0;
  private done = false;

  constructor(private readonly source: AsyncGenerator<string[]>) {}

  /**
   * The next line when it is already here (no await: a promise per row was a tenth of a replay's
   * time), undefined when the next chunk must be read first.
   */
  buffered(): string | undefined {
    return this.k < this.lines.length ? this.lines[this.k++] : undefined;
  }

  /** The next line, or null at the end. */
  async next(): Promise<string | null> {
    while (this.k >= this.lines.length) {
      if (this.done) return null;
      const r = await this.source.next();
      if (r.done) {
        this.done = true;
        return null;
      }
      this.lines = r.value;
      this.k = 0;
    }
    return this.lines[this.k++]!;
  }
}

/** A COPY text field as its value: `\N` is null; backslash escapes are undone. */
export function copyField(field: string): string | null {
  if (field === '\\N') return null;
  return field.includes('\\') ? field.replace(/\\(.)/g, unescape) : field;
}

const unescape = (_: string, c: string): string =>
  c === 'n' ? '\n' : c === 't' ? '\t' : c === 'r' ? '\r' : c === 'b' ? '\b' : c === 'f' ? '\f' : c === 'v' ? '\v' : c;

/** A SQL literal for values built into COPY statements (COPY takes no parameters). */
export function sqlLiteral(value: string | number): string {
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value)) throw new RangeError(`not a safe integer: ${value}`);
    return String(value);
  }
  return `'${value.replace(/'/g, "''")}'`;
}
