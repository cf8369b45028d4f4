import { createRequire } from 'node:module';
import type * as ECharts from 'echarts';
import { html, type Html } from '../pay/html';

/**
 * Charts for the pages under /app, drawn on the server by Apache ECharts (its server-side SVG
 * renderer: no DOM, no canvas, no script in the page). ECharts is kept well (Apache, frequent
 * releases), draws axes with readable ticks, legends and labels that fit, and renders the same
 * chart in Node as in a browser; the pages stay free of script and of a front-end build.
 *
 * ECharts writes style attributes and a <style> element into its SVG, which the pages' CSP
 * (style-src 'self') refuses inline; so each chart is an image of its own (a data: URL, allowed by
 * img-src), whose styles apply inside it only. The image's alternative text says what it shows,
 * and the figures themselves are always in a table next to it, which screen readers and tests read.
 */

export interface Series {
  name: string;
  /** Values in the chart's unit; null is a gap (no figure). */
  values: readonly (number | null)[];
  colour: string;
}

export interface ChartSpec {
  /** Unique on the page. */
  id: string;
  title: string;
  /** The alternative text: what the chart shows, with its figures. */
  description: string;
  labels: readonly string[];
  series: readonly Series[];
  /** How a value reads on the axis (e.g. an amount in major units); plain numbers by default. */
  axisLabel?: (value: number) => string;
}

/**
 * ECharts, loaded when the first chart is drawn: its bundle costs the api about 130 ms and 19 MB at
 * start, which only the dashboard needs.
 */
const loadModule = createRequire(__filename);
let loaded: typeof ECharts | undefined;
const echarts = (): typeof ECharts => (loaded ??= loadModule('echarts') as typeof ECharts);

/** Drawn small and scaled to the width of the page: a phone shows it at about three quarters, text still readable. */
const WIDTH = 480;
const HEIGHT = 240;
const TEXT = '#1f2933';
/** No double quotes: ECharts writes the family into a double-quoted style attribute as it is. */
const FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif";

function render(spec: ChartSpec, type: 'bar' | 'line'): Html {
  const chart = echarts().init(null, null, { renderer: 'svg', ssr: true, width: WIDTH, height: HEIGHT });
  try {
    chart.setOption({
      animation: false,
      textStyle: { fontFamily: FONT, color: TEXT, fontSize: 13 },
      color: spec.series.map((s) => s.colour),
      grid: { left: 12, right: 16, top: 24, bottom: spec.series.length > 1 ? 44 : 16, containLabel: true },
      legend: spec.series.length > 1 ? { bottom: 0, textStyle: { color: TEXT, fontSize: 13 } } : { show: false },
      xAxis: { type: 'category', data: [...spec.labels], axisLabel: { color: TEXT, interval: 0, hideOverlap: true }, axisTick: { alignWithLabel: true } },
      yAxis: {
        type: 'value',
        min: 0,
        axisLabel: { color: TEXT, ...(spec.axisLabel ? { formatter: spec.axisLabel } : {}) },
        splitLine: { lineStyle: { color: '#d9dee4' } },
      },
      series: spec.series.map((s) => ({
        name: s.name,
        type,
        data: [...s.values],
        ...(type === 'line' ? { connectNulls: false, symbolSize: 8, lineStyle: { width: 2 } } : { barMaxWidth: 48 }),
      })),
    });
    const svg = chart.renderToSVGString();
    return html`<figure class="chart" id="${spec.id}"><img src="data:image/svg+xml;base64,${Buffer.from(svg).toString('base64')}" alt="${spec.title}. ${spec.description}" width="${WIDTH}" height="${HEIGHT}"></figure>`;
  } finally {
    chart.dispose();
  }
}

/** Bars from zero, the series of each label side by side. */
export function barChart(spec: ChartSpec): Html {
  return render(spec, 'bar');
}

/** A line through each series' points, with a dot on each; gaps (null) break the line. */
export function lineChart(spec: ChartSpec): Html {
  return render(spec, 'line');
}
