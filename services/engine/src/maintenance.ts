/**
 * Stream upkeep, off the hot path: trims events:{market} below both the archive's retention window
 * and what every consumer group still needs, trims engine:{market} below what the engine acked, and
 * reports the input lag. Trimming drops entries even when unacknowledged, so the bound is computed
 * from the groups themselves.
 */
import { keys } from '@exchange/protocol';
import type { Redis } from '@exchange/service-kit';
import { isAfter } from './codec';

interface GroupInfo {
  name: string;
  pending: number;
  lastDelivered: string;
  lag: number | null;
}

async function groups(redis: Redis, stream: string): Promise<GroupInfo[] | null> {
  let raw: unknown[][];
  try {
    raw = (await redis.call('XINFO', 'GROUPS', stream)) as unknown[][];
  } catch (err) {
    if (err instanceof Error && err.message.includes('no such key')) return null;
    throw err;
  }
  return raw.map((flat) => {
    const get = (k: string) => flat[flat.indexOf(k) + 1];
    const lag = get('lag');
    return {
      name: String(get('name')),
      pending: Number(get('pending')),
      lastDelivered: String(get('last-delivered-id')),
      lag: lag === null || lag === undefined ? null : Number(lag),
    };
  });
}

/** The lowest id any group of the stream still needs: its oldest pending entry, else its read position. */
async function neededBy(redis: Redis, stream: string, list: GroupInfo[]): Promise<string | null> {
  let low: string | null = null;
  for (const g of list) {
    let need = g.lastDelivered;
    if (g.pending > 0) {
      const summary = (await redis.xpending(stream, g.name)) as [number, string | null, string | null, unknown];
      if (summary[1]) need = summary[1];
    }
    if (low === null || isAfter(low, need)) low = need;
  }
  return low;
}

async function trimTo(redis: Redis, stream: string, floor: string | null, list: GroupInfo[]): Promise<number> {
  const needed = await neededBy(redis, stream, list);
  let minId = floor;
  if (needed !== null && (minId === null || isAfter(minId, needed))) minId = needed;
  if (minId === null || minId === '0-0') return 0;
  return Number(await redis.xtrim(stream, 'MINID', minId));
}

export interface StreamStats {
  lag: number | null;
  pending: number;
  trimmedInput: number;
  trimmedEvents: number;
}

/** `archivedSeq`: last seq committed to the archive; events above `archivedSeq - retain` stay. */
export async function maintainMarket(
  redis: Redis,
  market: string,
  group: string,
  archivedSeq: number,
  retain: number,
): Promise<StreamStats> {
  const input = keys.engineStream(market);
  const inputGroups = (await groups(redis, input)) ?? [];
  const ours = inputGroups.find((g) => g.name === group);
  const trimmedInput = inputGroups.length > 0 ? await trimTo(redis, input, null, inputGroups) : 0;
  let trimmedEvents = 0;
  const floorSeq = archivedSeq - retain + 1;
  if (floorSeq > 1) {
    const events = keys.eventStream(market);
    const eventGroups = (await groups(redis, events)) ?? [];
    trimmedEvents = await trimTo(redis, events, `${floorSeq}-0`, eventGroups);
  }
  return { lag: ours?.lag ?? null, pending: ours?.pending ?? 0, trimmedInput, trimmedEvents };
}
