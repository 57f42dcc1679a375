/**
 * API-key login, kept in sessionStorage only: gone when the tab closes, never in localStorage or a
 * cookie, never sent anywhere but as the HMAC key of signed requests (the secret itself never
 * leaves the page).
 */
import { ExchangeClient, FeedClient, type Scope } from '@exchange/client';
import { describeError, type ShownError } from './core/errors';
import { h } from './dom';

export interface Credentials {
  apiKey: string;
  apiSecret: string;
}
export interface Session extends Credentials {
  accountId: number;
  scopes: Scope[];
}

const KEY = 'exchange.session';

/** Same origin: the web server forwards /v1 to the gateway and /ws to the feed (ADR 0101). */
export const publicApi = new ExchangeClient({ baseUrl: location.origin });
export const feedUrl = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws`;

export function newFeed(credentials?: Credentials): FeedClient {
  return new FeedClient({ url: feedUrl, credentials, reconnect: { initialDelayMs: 250, maxDelayMs: 5000 } });
}

export function savedSession(): Session | null {
  const raw = sessionStorage.getItem(KEY);
  if (!raw) return null;
  try {
    return JSON.parse(raw) as Session;
  } catch {
    sessionStorage.removeItem(KEY);
    return null;
  }
}

/** Checks the key against the API (GET /v1/account) before keeping it. */
export async function logIn(c: Credentials): Promise<Session> {
  if (!globalThis.crypto?.subtle)
    throw new Error('this page needs WebCrypto to sign requests: open it over https or on localhost');
  const who = await publicApi.withCredentials(c.apiKey, c.apiSecret).whoami();
  const session: Session = { ...c, accountId: who.accountId, scopes: who.scopes };
  sessionStorage.setItem(KEY, JSON.stringify(session));
  return session;
}

export function logOut(): void {
  sessionStorage.removeItem(KEY);
}

export const apiFor = (s: Session): ExchangeClient => publicApi.withCredentials(s.apiKey, s.apiSecret);

/** The header's login box: key id + secret in, account and scopes out. */
export function loginBox(
  host: HTMLElement,
  onChange: (s: Session | null) => void,
  showError: (e: ShownError) => void,
): void {
  const render = (s: Session | null) => {
    host.replaceChildren();
    if (s) {
      host.append(
        h(
          'span',
          { class: 'who', 'data-testid': 'whoami' },
          `account ${s.accountId} · ${s.apiKey} · ${s.scopes.join(', ')}`,
        ),
        h(
          'button',
          {
            type: 'button',
            'data-testid': 'logout',
            onclick: () => {
              logOut();
              render(null);
              onChange(null);
            },
          },
          'Log out',
        ),
      );
      return;
    }
    const key = h('input', { placeholder: 'API key', autocomplete: 'username', 'data-testid': 'login-key', size: 14 });
    const secret = h('input', {
      type: 'password',
      placeholder: 'secret',
      autocomplete: 'current-password',
      'data-testid': 'login-secret',
      size: 14,
    });
    const form = h(
      'form',
      {
        class: 'login',
        onsubmit: (ev) => {
          ev.preventDefault();
          logIn({ apiKey: key.value.trim(), apiSecret: secret.value.trim() }).then(
            (s) => {
              render(s);
              onChange(s);
            },
            (err: unknown) => showError(describeError(err)),
          );
        },
      },
      key,
      secret,
      h('button', { type: 'submit', 'data-testid': 'login-submit' }, 'Log in'),
    );
    host.append(form);
  };
  const s = savedSession();
  render(s);
  onChange(s);
}

/** The error banner: the API's code and a sentence; the newest few stay until dismissed. */
export function errorBanner(host: HTMLElement): (e: ShownError) => void {
  return (e) => {
    const item = h(
      'div',
      { class: 'error', role: 'alert', 'data-testid': 'error', 'data-code': e.code },
      h('b', null, e.code),
      ' ',
      e.text,
      h('button', { type: 'button', class: 'close', 'aria-label': 'dismiss', onclick: () => item.remove() }, '×'),
    );
    host.prepend(item);
    while (host.children.length > 3) host.lastElementChild?.remove();
    setTimeout(() => item.remove(), 15_000);
  };
}
