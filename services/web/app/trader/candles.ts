/** Candles with lightweight-charts (bundled; its attribution is in the page footer). Display only: prices become numbers here. */
import { CandlestickSeries, createChart, type IChartApi, type ISeriesApi, type UTCTimestamp } from 'lightweight-charts';

export interface WireCandle {
  t: number;
  o: string;
  h: string;
  l: string;
  c: string;
}

const bar = (c: WireCandle) => ({
  time: Math.floor(c.t / 1000) as UTCTimestamp,
  open: Number(c.o),
  high: Number(c.h),
  low: Number(c.l),
  close: Number(c.c),
});

export class CandleChart {
  private readonly chart: IChartApi;
  private readonly series: ISeriesApi<'Candlestick'>;

  constructor(host: HTMLElement) {
    this.chart = createChart(host, {
      autoSize: true,
      layout: { background: { color: 'transparent' }, textColor: '#9aa4b2', attributionLogo: false },
      grid: { vertLines: { color: '#1f2630' }, horzLines: { color: '#1f2630' } },
      timeScale: { timeVisible: true, secondsVisible: false },
    });
    this.series = this.chart.addSeries(CandlestickSeries, {
      upColor: '#1f9d55',
      downColor: '#d64545',
      borderVisible: false,
      wickUpColor: '#1f9d55',
      wickDownColor: '#d64545',
    });
  }

  set(candles: WireCandle[]): void {
    this.series.setData(candles.map(bar));
    this.chart.timeScale().fitContent();
  }

  update(c: WireCandle): void {
    try {
      this.series.update(bar(c));
    } catch {
      // an older candle than the last bar (a late trade): the next full set puts it right
    }
  }
}
