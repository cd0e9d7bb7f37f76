/** Small SVG charts drawn by hand: stacked bars over time, with an accessible summary. */
import type { ReactNode } from 'react';

export interface Series {
  label: string;
  values: number[];
  /** CSS colour variable name, e.g. `--ok`. */
  color: string;
}

export function StackedBars({ series, buckets, height = 90, title }: { series: Series[]; buckets: string[]; height?: number; title: string }): ReactNode {
  const n = buckets.length;
  const width = 600;
  const gap = n > 50 ? 1 : 2;
  const bw = Math.max(1, width / Math.max(1, n) - gap);
  const totals = buckets.map((_, i) => series.reduce((s, x) => s + (x.values[i] ?? 0), 0));
  const max = Math.max(1, ...totals);
  const sum = totals.reduce((a, b) => a + b, 0);
  const summary = `${title}: ${series.map((s) => `${s.label} ${s.values.reduce((a, b) => a + b, 0)}`).join(', ')}`;
  return (
    <figure className="chart">
      <svg viewBox={`0 0 ${width} ${height}`} preserveAspectRatio="none" role="img" aria-label={summary} height={height}>
        <line x1={0} y1={height - 0.5} x2={width} y2={height - 0.5} className="axis" />
        {buckets.map((b, i) => {
          let y = height;
          return (
            <g key={b}>
              {series.map((s) => {
                const v = s.values[i] ?? 0;
                if (!v) return null;
                const h = Math.max(1, (v / max) * (height - 4));
                y -= h;
                return (
                  <rect key={s.label} x={i * (bw + gap)} y={y} width={bw} height={h} style={{ fill: `var(${s.color})` }}>
                    <title>{`${new Date(b).toLocaleTimeString('en-GB', { hour: '2-digit', minute: '2-digit' })} ${s.label}: ${v}`}</title>
                  </rect>
                );
              })}
            </g>
          );
        })}
      </svg>
      <figcaption>
        <span className="chart-max">max {max}/bucket · total {sum}</span>
        {series.map((s) => (
          <span key={s.label} className="legend">
            <i style={{ background: `var(${s.color})` }} />
            {s.label}
          </span>
        ))}
      </figcaption>
    </figure>
  );
}
