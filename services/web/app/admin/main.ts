/** The admin page: replays, the audit log and the conservation report; needs a key with the admin scope. */
import '../styles.css';
import type { AuditEntry, ExchangeClient } from '@exchange/client';
import { describeError } from '../core/errors';
import { byId, fill, h } from '../dom';
import { apiFor, errorBanner, loginBox, publicApi, type Session } from '../session';
import { ReplayPanel } from './replay';

const showError = errorBanner(byId('errors'));
let replay: ReplayPanel | null = null;
let auditCursor: string | null = null;

async function loadConservation(api: ExchangeClient): Promise<void> {
  try {
    const lines = await api.conservation();
    fill(
      byId('conservation'),
      ...lines.map((l) =>
        h(
          'tr',
          { 'data-testid': 'conservation-row', 'data-asset': l.asset, 'data-ok': String(l.ok) },
          h('td', null, l.asset),
          h('td', { class: 'num' }, l.held),
          h('td', { class: 'num' }, l.netTransfers),
          h('td', { class: l.ok ? 'ok' : 'bad' }, l.ok ? '✓ conserved' : '✗ differs'),
        ),
      ),
    );
  } catch (err) {
    showError(describeError(err));
  }
}

const auditRow = (e: AuditEntry) =>
  h(
    'tr',
    { 'data-testid': 'audit-row' },
    h('td', null, String(e.id)),
    h('td', { class: 'muted' }, new Date(e.at).toISOString().replace('T', ' ').slice(0, 19)),
    h('td', null, `${e.actorKeyId} (#${e.actorAccountId})`),
    h('td', null, e.action),
    h('td', null, e.target ?? ''),
    h('td', { class: 'muted' }, e.ip ?? ''),
    h('td', { class: e.status < 400 ? 'ok' : 'bad' }, String(e.status)),
  );

/** Newest first; "older entries" follows the cursor. */
async function loadAudit(api: ExchangeClient, more: boolean): Promise<void> {
  try {
    const page = await api.auditLog({ limit: 25, cursor: more && auditCursor ? auditCursor : undefined });
    if (!more) fill(byId('audit'));
    byId('audit').append(...page.items.map(auditRow));
    auditCursor = page.nextCursor;
    byId('audit-more').hidden = !auditCursor;
  } catch (err) {
    showError(describeError(err));
  }
}

async function onSession(s: Session | null): Promise<void> {
  replay?.stop();
  replay = null;
  byId('admin').hidden = !s;
  if (!s) return;
  if (!s.scopes.includes('admin'))
    return showError({ code: 'INSUFFICIENT_SCOPE', text: 'this page needs a key with the admin scope' });
  const api = apiFor(s);
  try {
    const markets = await publicApi.markets();
    replay = new ReplayPanel(
      api,
      markets.map((m) => m.symbol),
      showError,
    );
  } catch (err) {
    showError(describeError(err));
  }
  byId('conservation-refresh').onclick = () => void loadConservation(api);
  byId('audit-refresh').onclick = () => void loadAudit(api, false);
  byId('audit-more').onclick = () => void loadAudit(api, true);
  await Promise.all([loadConservation(api), loadAudit(api, false)]);
}

loginBox(byId('login'), (s) => void onSession(s), showError);
