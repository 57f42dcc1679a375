/**
 * A Postgres array literal (`{1,2,NULL}`) for a query parameter cast to an array type
 * (`$1::int8[]`). node-pg serialises a JS array element by element (a toString, two regex replaces
 * and a quoted copy each); set-based writes pass thousands of numbers per statement, which need
 * none of that: one join.
 */
export function pgArray(values: readonly (number | bigint | boolean | null)[]): string {
  // join writes null as '' — only spell NULL out when there is one
  return `{${values.includes(null) ? values.map((v) => (v === null ? 'NULL' : v)).join(',') : values.join(',')}}`;
}

/** Text elements, quoted and escaped as Postgres reads them back exactly. */
export function pgTextArray(values: readonly (string | null)[]): string {
  let out = '{';
  for (let i = 0; i < values.length; i++) {
    if (i > 0) out += ',';
    const v = values[i]!;
    out += v === null ? 'NULL' : `"${NEEDS_ESCAPE.test(v) ? v.replace(NEEDS_ESCAPE_ALL, '\\$&') : v}"`;
  }
  return `${out}}`;
}

const NEEDS_ESCAPE = /["\\]/;
const NEEDS_ESCAPE_ALL = /["\\]/g;
