/** Cumulative depth drawn on a canvas: bids left in green, asks right in red, around the mid price. */
import type { DepthCurves } from '../core/depth';

export function drawDepth(canvas: HTMLCanvasElement, curves: DepthCurves): void {
  const dpr = window.devicePixelRatio || 1;
  const w = canvas.clientWidth;
  const hgt = canvas.clientHeight;
  if (canvas.width !== w * dpr || canvas.height !== hgt * dpr) {
    canvas.width = w * dpr;
    canvas.height = hgt * dpr;
  }
  const ctx = canvas.getContext('2d');
  if (!ctx) return;
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.clearRect(0, 0, w, hgt);
  const { bids, asks } = curves;
  const all = [...bids, ...asks];
  if (all.length === 0) {
    ctx.fillStyle = '#889';
    ctx.font = '12px system-ui, sans-serif';
    ctx.fillText('empty book', 8, hgt / 2);
    return;
  }
  const lo = Math.min(...all.map((p) => p.price));
  const hi = Math.max(...all.map((p) => p.price));
  const top = Math.max(...all.map((p) => p.cumulative)) * 1.1;
  const pad = 18;
  const x = (price: number) => (hi === lo ? w / 2 : ((price - lo) / (hi - lo)) * (w - 2) + 1);
  const y = (cum: number) => hgt - pad - (cum / top) * (hgt - pad - 4);
  const area = (points: typeof bids, stroke: string, fillColor: string) => {
    if (!points.length) return;
    ctx.beginPath();
    ctx.moveTo(x(points[0]!.price), y(0));
    let prev = 0;
    for (const p of points) {
      ctx.lineTo(x(p.price), y(prev));
      ctx.lineTo(x(p.price), y(p.cumulative));
      prev = p.cumulative;
    }
    ctx.lineTo(x(points[points.length - 1]!.price), y(0));
    ctx.closePath();
    ctx.fillStyle = fillColor;
    ctx.fill();
    ctx.strokeStyle = stroke;
    ctx.stroke();
  };
  area(bids, '#1f9d55', 'rgba(31,157,85,0.25)');
  area(asks, '#d64545', 'rgba(214,69,69,0.25)');
  ctx.fillStyle = '#889';
  ctx.font = '11px system-ui, sans-serif';
  ctx.fillText(String(lo), 2, hgt - 4);
  const hiText = String(hi);
  ctx.fillText(hiText, w - ctx.measureText(hiText).width - 2, hgt - 4);
}
