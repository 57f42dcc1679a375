import { createPool, pgArray, pgTextArray } from '../src';

const pool = createPool({ url: process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test', max: 1 });
afterAll(() => pool.end());

describe('array literals read back by Postgres exactly', () => {
  it('numbers, bigints beyond 2^53, booleans and nulls', async () => {
    const ints = [0, -1, 42, Number.MAX_SAFE_INTEGER];
    const bigs = [0n, -123456789012345678901234567890n, 10n ** 37n];
    const { rows } = await pool.query(
      'SELECT $1::int8[] AS ints, $2::numeric[]::text[] AS bigs, $3::bool[] AS flags, $4::int8[] AS holes',
      [pgArray(ints), pgArray(bigs), pgArray([true, false]), pgArray([1, null, 3])],
    );
    expect(rows[0].ints).toEqual(ints.map(String));
    expect(rows[0].bigs).toEqual(bigs.map(String));
    expect(rows[0].flags).toEqual([true, false]);
    expect(rows[0].holes).toEqual(['1', null, '3']);
  });

  it('text with quotes, backslashes, commas, braces, spaces, NULL spelled out and real nulls', async () => {
    const texts = ['BTC', 'a"b', 'c\\d', 'e,f', '{g}', ' h ', 'NULL', '', 'ü€', null];
    const { rows } = await pool.query('SELECT $1::text[] AS t', [pgTextArray(texts)]);
    expect(rows[0].t).toEqual(texts);
  });

  it('empty arrays', async () => {
    const { rows } = await pool.query('SELECT $1::int8[] AS a, $2::text[] AS b', [pgArray([]), pgTextArray([])]);
    expect(rows[0]).toEqual({ a: [], b: [] });
  });
});
