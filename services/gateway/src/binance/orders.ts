/**
 * Binance order requests translated onto our OrderService (the same validation, atomic enqueue and
 * outcome wait as /v1/orders: there is no second engine path) and the read model.
 */
import { formatAmount, formatScaled } from '@exchange/units';
import type { PlaceOrderBody } from '../api/schemas';
import { ApiError } from '../errors';
import type { MarketEntry } from '../markets/registry';
import { toApiOrder, type OrderState } from '../orders/order-state';
import type { RouteResult } from '../orders/outcome';
import type { OrderWindow } from '../read/order-reads';
import type { GatewayServices } from '../routes/services';
import { BINANCE_FIELD, BinanceError, MSG, err, fromOurCode } from './errors';
import {
  STP_BY_BINANCE,
  binanceOrder,
  cancelResponse,
  placeResponse,
  type BinanceOrder,
  type BinanceStp,
  type RespType,
} from './format';
import type { Params } from './params';
import { protectionPrice } from './protection';

export const ORDER_PARAMS = [
  'symbol',
  'side',
  'type',
  'timeInForce',
  'quantity',
  'quoteOrderQty',
  'price',
  'newClientOrderId',
  'newOrderRespType',
  'selfTradePreventionMode',
  'icebergQty',
] as const;

const SIDES = ['BUY', 'SELL'] as const;
const TYPES = ['LIMIT', 'MARKET', 'LIMIT_MAKER'] as const;
const TIFS = ['GTC', 'IOC', 'FOK'] as const;
const RESP_TYPES = ['ACK', 'RESULT', 'FULL'] as const;

export interface NewOrder {
  body: PlaceOrderBody;
  resp: RespType;
}

/** An error answer of the order service (or a thrown ApiError) as Binance's error. */
export function toBinanceError(e: { code: string; message: string; details?: Record<string, unknown> }): BinanceError {
  const field = typeof e.details?.field === 'string' ? e.details.field : '';
  return fromOurCode(e.code, BINANCE_FIELD[field] ?? field, e.message);
}

function failed(result: RouteResult): BinanceError {
  return toBinanceError(result.body as { code: string; message: string; details?: Record<string, unknown> });
}

export class BinanceOrders {
  constructor(
    private readonly s: GatewayServices,
    /** Brings the read model up to the archive (the projector's catchUp), so answers read what just happened. */
    private readonly freshen: () => Promise<void>,
  ) {}

  /**
   * Parses and checks a new order's parameters (POST /order and cancelReplace use the same names).
   * `forTest`: for order/test, which sends nothing on, so a market order needs no bound from the book.
   */
  async parseNewOrder(p: Params, m: MarketEntry, forTest = false): Promise<NewOrder> {
    const side = p.oneOf('side', SIDES, -1117, 'Invalid side.');
    const type = p.oneOf('type', TYPES, -1116, 'Invalid orderType.');
    if (!side) throw err.mandatory('side');
    if (!type) throw err.mandatory('type');
    const tif = p.oneOf('timeInForce', TIFS, -1115, 'Invalid timeInForce.');
    const resp = p.oneOf('newOrderRespType', RESP_TYPES, -1136, 'Invalid newOrderRespType.');
    const stp = p.oneOf(
      'selfTradePreventionMode',
      Object.keys(STP_BY_BINANCE) as BinanceStp[],
      -1130,
      'Invalid data sent for a parameter.',
    );
    const qty = p.decimal('quantity');
    const quoteQty = p.decimal('quoteOrderQty');
    let price = p.decimal('price');
    const iceberg = p.decimal('icebergQty');
    const body: PlaceOrderBody = {
      market: m.symbol,
      side: side === 'BUY' ? 'buy' : 'sell',
      type: type === 'MARKET' ? 'market' : 'limit',
      clientOrderId: p.clientOrderId('newClientOrderId'),
      stp: stp ? STP_BY_BINANCE[stp] : undefined,
    };
    if (type === 'MARKET') {
      if (price !== undefined) throw err.notRequired('price');
      if (tif !== undefined) throw err.notRequired('timeInForce');
      if (iceberg !== undefined) throw err.notRequired('icebergQty');
      if (qty === undefined && quoteQty === undefined) throw err.eitherOf('quantity', 'quoteOrderQty');
      if (qty !== undefined && quoteQty !== undefined) throw err.notRequired('quoteOrderQty');
      // The lock stage needs a bound on what the order can cost (ADR 0031): the book gives one.
      const bounded = (body.side === 'buy' && qty !== undefined) || (body.side === 'sell' && quoteQty !== undefined);
      if (bounded && !forTest) {
        await this.freshen(); // the book as of what was answered so far (read-your-writes)
        const bound = await protectionPrice(this.s.marketData, m, body.side, qty ? { qty } : { quoteQty: quoteQty! });
        if (bound === null) throw err.rejected(MSG.noLiquidity);
        price = bound;
      }
      Object.assign(body, { qty, quoteQty, price, tif: 'IOC' });
    } else {
      if (quoteQty !== undefined) throw err.notRequired('quoteOrderQty');
      if (qty === undefined) throw err.mandatory('quantity');
      if (price === undefined) throw err.mandatory('price');
      if (type === 'LIMIT_MAKER') {
        if (tif !== undefined) throw err.notRequired('timeInForce');
        Object.assign(body, { postOnly: true, tif: 'GTC' });
      } else {
        if (tif === undefined) throw err.mandatory('timeInForce');
        body.tif = tif;
      }
      Object.assign(body, { qty, price, displayQty: iceberg });
    }
    // Binance defaults LIMIT_MAKER to ACK, but its ACK follows matching; ours precedes it, and a
    // bot must still see "Order would immediately match and take." without asking: RESULT.
    const defaultResp: RespType = type === 'LIMIT_MAKER' ? 'RESULT' : 'FULL';
    return {
      body: { ...body, respType: (resp ?? defaultResp) === 'ACK' ? 'ack' : 'result' },
      resp: resp ?? defaultResp,
    };
  }

  async place(accountId: number, m: MarketEntry, order: NewOrder): Promise<Record<string, unknown>> {
    const result = await this.run(() => this.s.orders.place(accountId, order.body, null));
    const body = result.body as Parameters<typeof placeResponse>[1];
    if (result.status === 202 && order.resp !== 'ACK') throw err.timeout();
    return placeResponse(order.resp, body, m.units, body.createdAt ?? Date.now());
  }

  async cancel(
    accountId: number,
    m: MarketEntry,
    target: { orderId?: number; clientOrderId?: string },
    cancelClientOrderId?: string,
  ) {
    const result = await this.run(() =>
      this.s.orders.cancel(
        accountId,
        target.orderId !== undefined
          ? { orderId: target.orderId, market: m.symbol }
          : { clientOrderId: target.clientOrderId!, market: m.symbol },
      ),
    );
    if (result.status === 202) throw err.timeout();
    const orderId = (result.body as { orderId: number }).orderId;
    const order = await this.current(accountId, m, orderId);
    if (!order) throw err.unknownOrder();
    return cancelResponse(order, cancelClientOrderId, Date.now());
  }

  async cancelAll(accountId: number, m: MarketEntry) {
    const open = await this.s.reads.open(accountId, m.symbol);
    if (open.length === 0) throw err.unknownOrder();
    const result = await this.run(() => this.s.orders.cancelAll(accountId, m.symbol));
    if (result.status === 202) throw err.timeout();
    const out = [];
    for (const id of (result.body as { canceledOrderIds: number[] }).canceledOrderIds) {
      const order = await this.current(accountId, m, id);
      if (order) out.push(cancelResponse(order, undefined, Date.now()));
    }
    return out;
  }

  /** GET /api/v3/order: the account's order in this market, or -2013. */
  async get(accountId: number, m: MarketEntry, target: { orderId?: number; clientOrderId?: string }) {
    const o =
      target.orderId !== undefined
        ? await this.s.reads.byId(target.orderId)
        : await this.s.reads.byClientId(accountId, target.clientOrderId!, m.symbol);
    if (!o || o.accountId !== accountId || o.market !== m.symbol) throw err.orderDoesNotExist();
    return this.format(o, m);
  }

  /**
   * POST /api/v3/order/test: the order's parameters and the market's filters checked as a place
   * checks them, nothing sent to the engine. `{}`, or with computeCommissionRates the market's fees.
   */
  async test(accountId: number, m: MarketEntry, order: NewOrder, commissionRates: boolean) {
    try {
      await this.s.orders.check(accountId, order.body);
    } catch (e) {
      if (e instanceof ApiError) throw toBinanceError(e);
      throw e;
    }
    if (!commissionRates) return {};
    const rate = (bps: number) => formatScaled(BigInt(bps), 4); // basis points as a fraction
    const zero = rate(0);
    return {
      standardCommissionForOrder: { maker: rate(m.config.makerFeeBps), taker: rate(m.config.takerFeeBps) },
      taxCommissionForOrder: { maker: zero, taker: zero },
      discount: { enabledForAccount: false, enabledForSymbol: false, discountAsset: '', discount: zero },
    };
  }

  /** GET /api/v3/allOrders: the account's orders in the market, oldest first, as of the archive. */
  async all(accountId: number, m: MarketEntry, w: OrderWindow) {
    await this.freshen();
    return (await this.s.reads.inMarket(accountId, m.symbol, w)).map((o) => this.format(o, m));
  }

  async open(accountId: number, market: MarketEntry | undefined) {
    const orders = await this.s.reads.open(accountId, market?.symbol);
    const out: BinanceOrder[] = [];
    for (const o of orders) {
      const m = market ?? (await this.s.markets.get(o.market));
      if (m) out.push(this.format(o, m));
    }
    return out;
  }

  format(o: OrderState, m: MarketEntry): BinanceOrder {
    return binanceOrder(toApiOrder(o, m), formatAmount(o.filledQuote, m.units.quote));
  }

  /** The order after a command the engine answered: the read model brought up to the archive first. */
  private async current(accountId: number, m: MarketEntry, orderId: number): Promise<BinanceOrder | null> {
    await this.freshen();
    const o = await this.s.reads.byId(orderId);
    return o && o.accountId === accountId ? this.format(o, m) : null;
  }

  /** Runs an order-service call; its refusals (returned or thrown) become Binance errors. */
  private async run(fn: () => Promise<RouteResult>): Promise<RouteResult> {
    let result: RouteResult;
    try {
      result = await fn();
    } catch (e) {
      if (e instanceof ApiError) throw toBinanceError(e);
      throw e;
    }
    if (result.status >= 400) throw failed(result);
    return result;
  }
}
