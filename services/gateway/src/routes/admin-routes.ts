import { compileMarket } from '@exchange/units';
import { ApiError } from '../errors';
import { ok, route, type AnyRoute } from '../http/route';
import { toApiMarket } from '../markets/registry';
import {
  accountIdParams,
  createAccountBody,
  createApiKeyBody,
  createMarketBody,
  keyIdParams,
  marketParams,
  pageQuery,
  transferBody,
  updateApiKeyBody,
} from '../api/schemas';
import type { GatewayServices } from './services';

/** Every admin route needs the admin scope, is audited, and takes an Idempotency-Key when it changes something. */
export function adminRoutes(s: GatewayServices): AnyRoute[] {
  const account = async (accountId: number) => {
    const a = await s.accounts.getAccount(accountId);
    if (!a) throw new ApiError('ACCOUNT_NOT_FOUND', `no account ${accountId}`, { accountId });
    return a;
  };
  const badAllowlist = (err: unknown): never => {
    throw new ApiError('VALIDATION_FAILED', (err as Error).message, {
      where: 'body',
      issues: [{ path: 'ipAllowlist', code: 'invalid', message: (err as Error).message }],
    });
  };
  return [
    route({
      method: 'post',
      path: '/v1/admin/accounts',
      summary: 'Create a trading account',
      tag: 'admin',
      scope: 'admin',
      weight: 1,
      body: createAccountBody,
      idempotency: 'generic',
      audit: 'account.create',
      responses: { 201: 'Account' },
      handler: async ({ body }) => ok(await s.accounts.createAccount(body.label), 201),
    }),
    route({
      method: 'get',
      path: '/v1/admin/accounts/:accountId',
      summary: 'An account with its balances',
      tag: 'admin',
      scope: 'admin',
      weight: 1,
      params: accountIdParams,
      audit: 'account.read',
      responses: { 200: 'Account & {balances}' },
      handler: async ({ params }) => {
        const a = await account(params.accountId);
        return ok({ ...a, balances: await s.accounts.balances(a.accountId) });
      },
    }),
    route({
      method: 'post',
      path: '/v1/admin/accounts/:accountId/api-keys',
      summary: 'Create an API key (read-only unless scopes say otherwise); the secret is returned once',
      tag: 'admin',
      scope: 'admin',
      weight: 1,
      params: accountIdParams,
      body: createApiKeyBody,
      audit: 'api_key.create',
      responses: { 201: 'CreatedApiKey' },
      handler: async ({ params, body }) => {
        await account(params.accountId);
        const key = await s.apiKeys.create(params.accountId, body).catch(badAllowlist);
        return ok(key, 201);
      },
    }),
    route({
      method: 'get',
      path: '/v1/admin/accounts/:accountId/api-keys',
      summary: "An account's API keys (never their secrets)",
      tag: 'admin',
      scope: 'admin',
      weight: 1,
      params: accountIdParams,
      audit: 'api_key.list',
      responses: { 200: 'ApiKey[]' },
      handler: async ({ params }) => ok(await s.apiKeys.list(params.accountId)),
    }),
    route({
      method: 'patch',
      path: '/v1/admin/api-keys/:keyId',
      summary: 'Change a key: label, scopes (grant trade here), IP allow-list',
      tag: 'admin',
      scope: 'admin',
      weight: 1,
      params: keyIdParams,
      body: updateApiKeyBody,
      idempotency: 'generic',
      audit: 'api_key.update',
      responses: { 200: 'ApiKey' },
      handler: async ({ params, body }) => {
        const key = await s.apiKeys.update(params.keyId, body).catch(badAllowlist);
        if (!key) throw new ApiError('API_KEY_NOT_FOUND', `no API key ${params.keyId}`);
        return ok(key);
      },
    }),
    route({
      method: 'delete',
      path: '/v1/admin/api-keys/:keyId',
      summary: 'Revoke a key',
      tag: 'admin',
      scope: 'admin',
      weight: 1,
      params: keyIdParams,
      idempotency: 'generic',
      audit: 'api_key.revoke',
      responses: { 200: 'ApiKey' },
      handler: async ({ params }) => {
        const key = await s.apiKeys.revoke(params.keyId);
        if (!key) throw new ApiError('API_KEY_NOT_FOUND', `no API key ${params.keyId}`);
        return ok(key);
      },
    }),
    route({
      method: 'post',
      path: '/v1/admin/deposits',
      summary: 'Credit an account (reference: the transfer id, applied once)',
      tag: 'admin',
      scope: 'admin',
      weight: 1,
      body: transferBody,
      idempotency: 'generic',
      audit: 'deposit',
      responses: { 201: 'Transfer' },
      handler: async ({ body }) => ok(await s.accounts.deposit(body), 201),
    }),
    route({
      method: 'post',
      path: '/v1/admin/withdrawals',
      summary: "Debit an account's available balance (reference: the transfer id, applied once)",
      tag: 'admin',
      scope: 'admin',
      weight: 1,
      body: transferBody,
      idempotency: 'generic',
      audit: 'withdrawal',
      responses: { 201: 'Transfer' },
      handler: async ({ body }) => ok(await s.accounts.withdraw(body), 201),
    }),
    route({
      method: 'post',
      path: '/v1/admin/markets',
      summary: 'Create a market (validated by @exchange/units: tick × lot must be whole quote minor units)',
      tag: 'admin',
      scope: 'admin',
      weight: 1,
      body: createMarketBody,
      idempotency: 'generic',
      audit: 'market.create',
      responses: { 201: 'Market' },
      handler: async ({ body }) => {
        const { rows: assets } = await s.pool.query<{ code: string; decimals: number }>(
          'SELECT code, decimals FROM assets WHERE code = ANY($1)',
          [[body.base, body.quote]],
        );
        const asset = (code: string) => {
          const a = assets.find((x) => x.code === code);
          if (!a) throw new ApiError('UNKNOWN_ASSET', `unknown asset ${code}`, { asset: code });
          return a;
        };
        const spec = {
          symbol: body.symbol,
          base: asset(body.base),
          quote: asset(body.quote),
          tickSize: body.tickSize,
          lotSize: body.lotSize,
          minQty: body.minQty,
          minNotional: body.minNotional ?? '0',
        };
        try {
          compileMarket(spec);
        } catch (err) {
          const e = err as { code?: string; field?: string; message: string };
          throw new ApiError(e.code === 'INVALID_ASSET' ? 'INVALID_ASSET' : 'INVALID_MARKET', e.message, {
            field: e.field,
          });
        }
        const inserted = await s.pool.query(
          `INSERT INTO markets (symbol, base, quote, tick_size, lot_size, min_qty, min_notional, maker_fee_bps, taker_fee_bps, max_open_orders)
           VALUES ($1, $2, $3, $4, $5, $6, $7, COALESCE($8, 10), COALESCE($9, 10), $10) ON CONFLICT (symbol) DO NOTHING`,
          [
            body.symbol,
            body.base,
            body.quote,
            body.tickSize,
            body.lotSize,
            body.minQty,
            spec.minNotional,
            body.makerFeeBps ?? null,
            body.takerFeeBps ?? null,
            body.maxOpenOrders ?? null,
          ],
        );
        if (!inserted.rowCount) throw new ApiError('MARKET_EXISTS', `market ${body.symbol} exists`);
        await s.markets.load();
        return ok(toApiMarket(s.markets.known(body.symbol)!), 201);
      },
    }),
    route({
      method: 'post',
      path: '/v1/admin/markets/:symbol/halt',
      summary: 'Halt a market: enqueues a halt command (new orders and amends are rejected; cancels still work)',
      tag: 'admin',
      scope: 'admin',
      weight: 1,
      params: marketParams,
      idempotency: 'generic',
      audit: 'market.halt',
      responses: { 200: '{market, status, pending}', 202: 'queued, engine has not answered yet' },
      handler: ({ params }) => s.orders.marketCommand(params.symbol, 'halt'),
    }),
    route({
      method: 'post',
      path: '/v1/admin/markets/:symbol/resume',
      summary: 'Resume a halted market: enqueues a resume command',
      tag: 'admin',
      scope: 'admin',
      weight: 1,
      params: marketParams,
      idempotency: 'generic',
      audit: 'market.resume',
      responses: { 200: '{market, status, pending}', 202: 'queued, engine has not answered yet' },
      handler: ({ params }) => s.orders.marketCommand(params.symbol, 'resume'),
    }),
    route({
      method: 'get',
      path: '/v1/admin/conservation',
      summary: 'Per asset: Σ(available + locked) over user and fee accounts against deposits − withdrawals',
      tag: 'admin',
      scope: 'admin',
      weight: 5,
      responses: { 200: 'AssetConservation[]' },
      handler: async () => ok(await s.accounts.conservation()),
    }),
    route({
      method: 'get',
      path: '/v1/admin/audit-log',
      summary: 'Audit log, newest first',
      tag: 'admin',
      scope: 'admin',
      weight: 2,
      query: pageQuery,
      responses: { 200: 'Page<AuditEntry>' },
      handler: async ({ query }) => ok(await s.audit.page(query)),
    }),
  ];
}
