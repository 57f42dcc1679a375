/** cmd:{market} entries → commands, and commands → engine:{market} entries. Pure. */
import { parseCommand, type Command, type LockRejectReason } from '@exchange/protocol';

/** One entry of cmd:{market}: the command when it is valid, otherwise its raw text and why it is not. */
export type CommandEntry =
  | { inputId: string; valid: true; command: Command; text: string }
  | { inputId: string; valid: false; text: string; error: string };

/** What the lock stage forwards to engine:{market} for one cmd:{market} entry. */
export interface Forward {
  inputId: string;
  /** command JSON including orderId */
  text: string;
  reject?: LockRejectReason;
}

/**
 * Fields arrive as a flat [k1, v1, …] array. A place carries `orderId` (assigned by the gateway's
 * script) beside `c`, the command without it; other commands carry only `c`. The orderId is merged
 * into the command. An entry that is not a valid command is still forwarded (unlocked): the engine
 * records a `rejected` outcome for it, so the caller gets an answer.
 */
export function parseCommandEntry(inputId: string, fields: readonly string[] | null): CommandEntry {
  let c: string | undefined;
  let orderId: string | undefined;
  for (let k = 0; fields && k + 1 < fields.length; k += 2) {
    if (fields[k] === 'c') c = fields[k + 1];
    else if (fields[k] === 'orderId') orderId = fields[k + 1];
  }
  if (c === undefined) return { inputId, valid: false, text: 'null', error: 'entry has no c field' };
  let value: unknown;
  try {
    value = JSON.parse(c);
  } catch (e) {
    return { inputId, valid: false, text: c, error: `c is not JSON: ${(e as Error).message}` };
  }
  if (orderId !== undefined && typeof value === 'object' && value !== null && !Array.isArray(value)) {
    const v = value as Record<string, unknown>;
    if (v.type === 'place' && v.orderId === undefined) value = { ...v, orderId: Number(orderId) };
  }
  const text = JSON.stringify(value);
  const parsed = parseCommand(value);
  if (!parsed.success) {
    return {
      inputId,
      valid: false,
      text,
      error: parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '),
    };
  }
  return { inputId, valid: true, command: parsed.data, text };
}

/** Fields of the engine:{market} entry: i, c and, when refused, r. */
export function engineFields(f: Forward): string[] {
  return f.reject ? ['i', f.inputId, 'c', f.text, 'r', f.reject] : ['i', f.inputId, 'c', f.text];
}
