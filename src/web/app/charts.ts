import { html, type Html } from '../pay/html';

/**
 * Small server-rendered SVG charts for the pages under /app: a bar chart (one or more series side by
 * side) and a line chart. Hand-written rather than a chart library: a linear scale from zero and a
 * polyline are a few lines, there is no front-end build, and the page stays free of script. Each chart
 * is an image with a title and a description (role="img", aria-labelledby); the figures themselves
 * are always in a table next to it, which is what screen readers and tests read.
 */

export interface Series {
  name: string;
  /** Values in the chart's unit; null is a gap (no figure). */
  values: readonly (number | null)[];
  colour: string;
}

export interface ChartSpec {
  /** Unique on the page: the ids of the title and description derive from it. */
  id: string;
  title: string;
  description: string;
  labels: readonly string[];
  series: readonly Series[];
}

const WIDTH = 640;
const HEIGHT = 240;
const PAD = { top: 16, right: 16, bottom: 40, left: 16 };
const PLOT_W = WIDTH - PAD.left - PAD.right;
const PLOT_H = HEIGHT - PAD.top - PAD.bottom;

const round = (n: number) => Math.round(n * 10) / 10;

/** The top of the scale: the largest value, at least something above zero so an empty chart draws. */
function maxOf(series: readonly Series[]): number {
  let max = 0;
  for (const s of series) for (const v of s.values) if (v !== null && v > max) max = v;
  return max > 0 ? max : 1;
}

const yOf = (value: number, max: number) => round(PAD.top + PLOT_H - (Math.max(value, 0) / max) * PLOT_H);

function frame(spec: ChartSpec, body: Html): Html {
  const slot = PLOT_W / Math.max(spec.labels.length, 1);
  return html`<svg class="chart" viewBox="0 0 ${WIDTH} ${HEIGHT}" width="100%" role="img" aria-labelledby="${spec.id}-title ${spec.id}-desc" focusable="false">
<title id="${spec.id}-title">${spec.title}</title>
<desc id="${spec.id}-desc">${spec.description}</desc>
<line x1="${PAD.left}" y1="${PAD.top + PLOT_H}" x2="${WIDTH - PAD.right}" y2="${PAD.top + PLOT_H}" stroke="#7b8794" stroke-width="1"/>
${body}
${spec.labels.map(
  (label, i) =>
    html`<text x="${round(PAD.left + slot * (i + 0.5))}" y="${HEIGHT - PAD.bottom + 20}" text-anchor="middle" font-size="13" fill="#1f2933">${label}</text>`,
)}
${spec.series.length > 1 ? legend(spec.series) : null}
</svg>`;
}

function legend(series: readonly Series[]): Html {
  return html`<g>${series.map(
    (s, i) =>
      html`<rect x="${PAD.left + i * 150}" y="${HEIGHT - 14}" width="12" height="12" fill="${s.colour}"/><text x="${PAD.left + i * 150 + 18}" y="${HEIGHT - 4}" font-size="13" fill="#1f2933">${s.name}</text>`,
  )}</g>`;
}

/** Bars from zero, the series of each label side by side. */
export function barChart(spec: ChartSpec): Html {
  const max = maxOf(spec.series);
  const slot = PLOT_W / Math.max(spec.labels.length, 1);
  const barW = (slot * 0.7) / Math.max(spec.series.length, 1);
  const bars = spec.labels.map((_label, i) =>
    spec.series.map((s, k) => {
      const value = s.values[i];
      if (value === null || value === undefined) return null;
      const y = yOf(value, max);
      const x = round(PAD.left + slot * i + slot * 0.15 + barW * k);
      return html`<rect x="${x}" y="${y}" width="${round(barW)}" height="${round(PAD.top + PLOT_H - y)}" fill="${s.colour}"/>`;
    }),
  );
  return frame(spec, html`<g>${bars}</g>`);
}

/** A line through each series' points, with a dot on each; gaps (null) break the line. */
export function lineChart(spec: ChartSpec): Html {
  const max = maxOf(spec.series);
  const slot = PLOT_W / Math.max(spec.labels.length, 1);
  const lines = spec.series.map((s) => {
    const points = s.values.map((v, i) => (v === null ? null : { x: round(PAD.left + slot * (i + 0.5)), y: yOf(v, max) }));
    const runs: { x: number; y: number }[][] = [[]];
    for (const p of points) {
      if (p) runs[runs.length - 1]?.push(p);
      else runs.push([]);
    }
    return html`<g>${runs
      .filter((run) => run.length > 1)
      .map((run) => html`<polyline fill="none" stroke="${s.colour}" stroke-width="2" points="${run.map((p) => `${p.x},${p.y}`).join(' ')}"/>`)}${points.map((p) =>
      p ? html`<circle cx="${p.x}" cy="${p.y}" r="4" fill="${s.colour}"/>` : null,
    )}</g>`;
  });
  return frame(spec, html`${lines}`);
}
