/**
 * The WebSocket shape the feed client needs, satisfied by the browser's global WebSocket and by
 * the `ws` package in Node (pass its class as `WebSocket`). Typed structurally: no DOM lib needed.
 */
export interface WebSocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onopen: ((ev: unknown) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
  onclose: ((ev: { code: number; reason: string }) => void) | null;
  onerror: ((ev: unknown) => void) | null;
}

/**
 * A WebSocket class. Typed loosely on purpose: the DOM's and the `ws` package's handler types differ
 * in their event classes, and either must be accepted as is; the instance is used as a WebSocketLike.
 */
export type WebSocketConstructor = new (url: string) => object;

export const OPEN = 1;

export function defaultWebSocket(): WebSocketConstructor {
  const ctor = (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
  if (!ctor) throw new Error('no global WebSocket: pass the `ws` package class as the WebSocket option');
  return ctor;
}

/** Text of a message event's data (string in browsers and in `ws`; Buffer-like otherwise). */
export function messageText(data: unknown): string {
  if (typeof data === 'string') return data;
  if (data instanceof ArrayBuffer || ArrayBuffer.isView(data)) return new TextDecoder().decode(data as Uint8Array);
  return String(data);
}
