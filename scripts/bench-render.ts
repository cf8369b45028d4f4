/**
 * How long rendering one invoice takes: the HTML email from the cached compiled template, the PDF,
 * and, as the baseline the cache avoids, the email with MJML and Handlebars.compile run per invoice.
 *
 *   npm run bench:render
 *
 * 1,000 invoices with 1 to 20 lines (the same every run). Each renderer is warmed up first so JIT
 * compilation and the one-off template compile stay out of the figures.
 */
import { priceLines } from '../src/domain/lines';
import type { InvoiceDocument } from '../src/render/document';
import { renderInvoiceEmail, renderInvoiceEmailUncached } from '../src/render/email';
import { renderInvoicePdf } from '../src/render/pdf';
import { sampleDocument, sampleLineInputs } from '../test/support/documents';

const INVOICES = 1_000;
const WARM_UP = 50;
/** Above this median per invoice the uncached baseline is measured on a sample, not on all 1,000. */
const UNCACHED_SLOW_MS = 20;
const UNCACHED_SAMPLE = 200;

interface Result {
  what: string;
  times: number[];
}

const documents: InvoiceDocument[] = Array.from({ length: INVOICES }, (_, index) =>
  sampleDocument({
    invoiceId: `inv_bench_${index}`,
    number: `INV-2026-${String(index + 1).padStart(6, '0')}`,
    lines: priceLines(sampleLineInputs(1 + (index % 20)), false),
  }),
);

async function time(render: (doc: InvoiceDocument) => Promise<unknown>, docs: readonly InvoiceDocument[]): Promise<number[]> {
  const times: number[] = [];
  for (const doc of docs) {
    const start = performance.now();
    await render(doc);
    times.push(performance.now() - start);
  }
  return times;
}

async function bench(what: string, render: (doc: InvoiceDocument) => Promise<unknown>, docs: readonly InvoiceDocument[], warmUp = WARM_UP): Promise<Result> {
  await time(render, documents.slice(0, warmUp));
  return { what, times: await time(render, docs) };
}

/** Nearest-rank percentile. */
function percentile(times: readonly number[], p: number): number {
  const sorted = [...times].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil(p * sorted.length) - 1)] ?? Number.NaN;
}

function row(cells: readonly string[]): string {
  const widths = [34, 6, 10, 10];
  return cells.map((cell, index) => (index === 0 ? cell.padEnd(widths[index] ?? 0) : cell.padStart(widths[index] ?? 0))).join('');
}

async function main(): Promise<void> {
  const cached = await bench('HTML email, cached template', renderInvoiceEmail, documents);
  const pdf = await bench('PDF', renderInvoicePdf, documents);

  // A short probe decides whether the slow baseline runs on all invoices or on a sample.
  const probe = await bench('probe', renderInvoiceEmailUncached, documents.slice(0, 10), 5);
  const sampled = percentile(probe.times, 0.5) > UNCACHED_SLOW_MS;
  const uncached = await bench('HTML email, MJML per invoice', renderInvoiceEmailUncached, sampled ? documents.slice(0, UNCACHED_SAMPLE) : documents, 10);

  const lines = [
    `Rendering invoices with 1..20 lines, ms per invoice (Node ${process.version})`,
    '',
    row(['what', 'n', 'median', 'p95']),
    ...[cached, pdf, uncached].map(({ what, times }) =>
      row([what, String(times.length), percentile(times, 0.5).toFixed(3), percentile(times, 0.95).toFixed(3)]),
    ),
    '',
    `uncached / cached: ${(percentile(uncached.times, 0.5) / percentile(cached.times, 0.5)).toFixed(0)}x at the median, ` +
      `${(percentile(uncached.times, 0.95) / percentile(cached.times, 0.95)).toFixed(0)}x at p95`,
  ];
  if (sampled) {
    lines.push(`(MJML per invoice took over ${UNCACHED_SLOW_MS} ms each, so it was measured on the first ${UNCACHED_SAMPLE} invoices, which still cover 1..20 lines)`);
  }
  console.log(lines.join('\n'));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
