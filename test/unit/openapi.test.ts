import fc from 'fast-check';
import { openApiDocument } from '../../src/api/openapi';
import { encodeCursor } from '../../src/api/pagination';
import { parseIsoDuration } from '../../src/domain/duration';
import { normaliseQuantity } from '../../src/domain/lines';
import { parseDecimalToMinor } from '../../src/domain/money';

/**
 * The OpenAPI document states in patterns and enums what the code checks in refinements and after
 * parsing. test/e2e/api-fuzz.test.ts finds where they disagree by chance; these find it for sure,
 * and fail when a schema the document recognises by identity (src/api/openapi.ts `describeChecks`)
 * is replaced and the statement silently drops out of the document.
 */
type Schema = { [key: string]: any };
const doc = openApiDocument() as Schema;
const bodyOf = (path: string, method = 'post'): Schema => doc.paths[path][method].requestBody.content['application/json'].schema;
const patternsOf = (schema: Schema): RegExp[] =>
  [schema.pattern, ...((schema.allOf as Schema[] | undefined) ?? []).map((s) => s.pattern)].filter(Boolean).map((p: string) => new RegExp(p, 'u'));
const matchesAll = (schema: Schema, text: string) => patternsOf(schema).every((p) => p.test(text));

const accepts = (check: () => unknown, postSyntax: RegExp): boolean => {
  try {
    check();
    return true;
  } catch (error) {
    return postSyntax.test((error as Error).message);
  }
};

const stringOf = (chars: string, maxLength: number) => fc.string({ unit: fc.constantFrom(...chars.split('')), maxLength });

/** Strings near ISO 8601 durations (random strings hardly ever are one): parts present, missing, bare or doubled. */
const durationLike = () => {
  const part = (unit: string) => fc.constantFrom('', '', `1${unit}`, `07${unit}`, `365${unit}`, unit, `1${unit}1${unit}`);
  const seconds = fc.constantFrom('', '', '2S', '2.5S', '0.125S', 'S', '1.2345S', '.5S');
  return fc
    .tuple(fc.constantFrom('', '', '-', '+', '+-'), fc.constantFrom('P', 'P', 'P', '', 'p'), part('W'), part('D'), fc.constantFrom('', 'T', 'T', 'TT'), part('H'), part('M'), seconds)
    .map((parts) => parts.join(''));
};

describe('the OpenAPI document says what the api enforces', () => {
  test('when a currency is given, then the document lists the ISO 4217 codes the api accepts', () => {
    const currency = bodyOf('/customers').properties.currency;
    expect(currency.enum).toEqual(expect.arrayContaining(['EUR', 'JPY', 'KWD']));
    expect(currency.enum).not.toContain('');
  });

  test.each([
    ['/invoices/{id}/reject', 'reason'],
    ['/invoices/{id}/resolve-dispute', 'resolution'],
    ['/customers', 'name'],
    ['/dunning-policies', 'name'],
  ])('when %s takes %s, then blank text is refused by the document as by the api', (path, field) => {
    const schema = bodyOf(path).properties[field];
    expect(['', '   ', '\t\n'].filter((text) => text.length >= schema.minLength && matchesAll(schema, text))).toEqual([]);
    expect(matchesAll(schema, ' Late delivery ')).toBe(true);
  });

  test('when a list is paged, then an empty cursor is refused and a real one accepted', () => {
    const cursor = doc.paths['/customers'].get.parameters.find((p: Schema) => p.name === 'cursor').schema;
    expect(matchesAll(cursor, '')).toBe(false);
    expect(matchesAll(cursor, encodeCursor({ createdAt: '2026-01-31T10:00:00.000Z', id: 'cus_0123456789abcdefghjk' }))).toBe(true);
  });

  test('when an invoice is created, then its either-or fields are stated', () => {
    const invoice = bodyOf('/invoices');
    expect(invoice.not).toEqual({ required: ['dueAt', 'paymentTermsDays'] });
    expect(invoice.properties.lines.items.oneOf).toEqual([{ required: ['unitPrice'] }, { required: ['unitPriceMinor'] }]);
  });

  test('when any offset is written, then the document\'s pattern and parseIsoDuration agree on its syntax', () => {
    const offset = bodyOf('/dunning-policies').properties.steps.items.properties.offset;
    fc.assert(
      fc.property(fc.oneof(durationLike(), stringOf('0123456789PTWDHMS.-+', 12)), (text) => {
        expect(matchesAll(offset, text)).toBe(accepts(() => parseIsoDuration(text), /longer than/));
      }),
      { numRuns: 5_000 },
    );
  });

  test('when any quantity or price string is written, then the document\'s patterns and the parsers agree', () => {
    const line = bodyOf('/invoices').properties.lines.items.properties;
    const quantity = (line.quantity.anyOf as Schema[]).find((s) => s.type === 'string') as Schema;
    fc.assert(
      fc.property(stringOf('0123456789. \t-', 10), (text) => {
        expect(matchesAll(quantity, text)).toBe(accepts(() => normaliseQuantity(text), /^$/));
        expect(matchesAll(line.unitPrice, text)).toBe(accepts(() => parseDecimalToMinor(text, 'CLF'), /decimal places|largest amount/));
      }),
      { numRuns: 5_000 },
    );
  });
});
