import { ok, route, type AnyRoute } from '../http/route';
import { ledgerQuery } from '../api/schemas';
import type { GatewayServices } from './services';

export function accountRoutes(s: GatewayServices): AnyRoute[] {
  return [
    route({
      method: 'get',
      path: '/v1/account',
      summary: 'Who am I: the key, its account and scopes',
      tag: 'account',
      scope: 'read',
      weight: 1,
      responses: { 200: '{keyId, accountId, scopes}' },
      handler: async ({ auth }) => ok({ keyId: auth.keyId, accountId: auth.accountId, scopes: auth.scopes }),
    }),
    route({
      method: 'get',
      path: '/v1/account/balances',
      summary: 'Balances per asset: available and locked',
      tag: 'account',
      scope: 'read',
      weight: 2,
      responses: { 200: 'Balance[]' },
      handler: async ({ auth }) => ok(await s.accounts.balances(auth.accountId)),
    }),
    route({
      method: 'get',
      path: '/v1/account/ledger',
      summary: "The account's ledger entries, newest first (keyset pages)",
      tag: 'account',
      scope: 'read',
      weight: 5,
      query: ledgerQuery,
      responses: { 200: 'Page<LedgerEntry>' },
      handler: async ({ auth, query }) => ok(await s.accounts.ledger(auth.accountId, query)),
    }),
  ];
}
