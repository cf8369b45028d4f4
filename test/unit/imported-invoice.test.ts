import fc from 'fast-check';
import type { DunningPolicy } from '../../src/domain/dunning';
import {
  assertImportable,
  assertImportableNumber,
  type ImportedInvoice,
  importedDunningStart,
  importedInvoiceDraft,
  importedInvoiceState,
  parseImportedTime,
} from '../../src/domain/imported-invoice';
import { amountDueMinor } from '../../src/domain/invoice';

const DAY = 86_400_000;
const NOW = '2026-11-25T12:00:00.000Z';
const daysFromNow = (days: number) => new Date(Date.parse(NOW) + days * DAY).toISOString();

const policy: DunningPolicy = {
  id: 'p',
  name: 'test',
  steps: [
    { offset: 'P30D', template: 'collections' },
    { offset: '-P3D', template: 'friendly' },
    { offset: 'P1D', template: 'friendly' },
    { offset: 'P7D', template: 'firm' },
    { offset: 'P14D', template: 'final', lateFee: { percentBps: 200 } },
  ],
};

const invoice = (overrides: Partial<ImportedInvoice> = {}): ImportedInvoice => ({
  externalId: 'old-1',
  customerId: 'cus_1',
  number: 'RE-2026-17',
  issuedAt: daysFromNow(-70),
  dueAt: daysFromNow(-40),
  currency: 'EUR',
  totalMinor: 119_000,
  amountPaidMinor: 19_000,
  description: 'Consulting',
  ...overrides,
});

describe('the dunning step an imported invoice starts from', () => {
  test.each([
    ['due in 10 days: no step has come', 10, 0],
    ['due in 2 days: the pre-due reminder (-P3D) is due now', 2, 0],
    ['due yesterday: the reminder of P1D is due now, the pre-due one skipped', -1, 1],
    ['8 days overdue: the firm reminder (P7D)', -8, 2],
    ['20 days overdue: the final notice (P14D)', -20, 3],
    ['40 days overdue: collections (P30D), not a burst of four', -40, 4],
    ['a year overdue: still the last step, once', -365, 4],
  ])('when %s, then the next step is %i', (_case, dueInDays, step) => {
    expect(importedDunningStart(policy, { dueAt: daysFromNow(dueInDays) }, NOW)).toBe(step);
  });

  test('when any due date is imported, then exactly the steps before the latest one due are skipped', () => {
    fc.assert(
      fc.property(fc.integer({ min: -400, max: 400 }), (dueInDays) => {
        const dueMs = Date.parse(daysFromNow(dueInDays));
        const start = importedDunningStart(policy, { dueAt: daysFromNow(dueInDays) }, NOW);
        const offsets = [-3, 1, 7, 14, 30].map((d) => dueMs + d * DAY);
        const due = offsets.filter((at) => at <= Date.parse(NOW)).length;
        expect(start).toBe(Math.max(0, due - 1));
        // The steps after `start` are all still ahead, but the one it sends now.
        expect(offsets.slice(start + 1).every((at) => at > Date.parse(NOW))).toBe(true);
      }),
    );
  });
});

describe('the state an imported invoice starts in', () => {
  const draftOf = (i: ImportedInvoice) => importedInvoiceDraft(i, { id: 'inv_1', dunningPolicyId: 'p', createdBy: 'olivia', now: NOW });

  test('when it is overdue and part paid, then it is issued with its own number, delivered, overdue, and owes total less paid', () => {
    const imported = invoice();
    const draft = draftOf(imported);
    const state = importedInvoiceState(draft, imported, { policy, recordedBy: 'olivia', now: NOW });
    expect(draft).toMatchObject({ totalMinor: 119_000, taxMinor: 0, subtotalMinor: 119_000, dueAt: imported.dueAt, paymentTermsDays: 30, approval: 'auto' });
    expect(draft.lines).toEqual([expect.objectContaining({ description: 'Consulting', quantity: '1', unitPriceMinor: 119_000, totalMinor: 119_000 })]);
    expect(state).toMatchObject({
      status: 'overdue',
      number: 'RE-2026-17',
      issuedAt: imported.issuedAt,
      dueAt: imported.dueAt,
      amountPaidMinor: 19_000,
      dunningLevel: 0,
      approvals: [],
      delivery: { status: 'sent', attempts: 0, lastError: null, sentAt: imported.issuedAt },
      dunning: { nextStep: 4, pausedMs: 0, pausedAt: null },
      version: 1,
    });
    expect(state.payments).toEqual([
      { reference: 'imported:old-1', amountMinor: 19_000, appliedMinor: 19_000, creditMinor: 0, method: 'other', receivedAt: NOW, recordedBy: 'olivia', recordedAt: NOW },
    ]);
    expect(amountDueMinor(state)).toBe(100_000);
  });

  test('when it is not due yet and nothing was paid, then it is open with no payment', () => {
    const imported = invoice({ dueAt: daysFromNow(14), amountPaidMinor: 0 });
    const state = importedInvoiceState(draftOf(imported), imported, { policy, recordedBy: 'olivia', now: NOW });
    expect(state).toMatchObject({ status: 'open', payments: [], amountPaidMinor: 0, dunning: { nextStep: 0 } });
  });

  test.each<[string, Partial<ImportedInvoice>, string, RegExp]>([
    ['issued in the future', { issuedAt: daysFromNow(1), dueAt: daysFromNow(30) }, 'issuedAt', /future/],
    ['due before it was issued', { dueAt: daysFromNow(-80) }, 'dueAt', /before issuedAt/],
    ['of nothing', { totalMinor: 0, amountPaidMinor: 0 }, 'total', /more than zero/],
    ['paid in full', { amountPaidMinor: 119_000 }, 'amountPaid', /less than total/],
    ['over-paid', { amountPaidMinor: 200_000 }, 'amountPaid', /less than total/],
    ['negatively paid', { amountPaidMinor: -1 }, 'amountPaid', /negative/],
  ])('when an invoice is %s, then it is refused naming %s', (_case, overrides, path, message) => {
    expect(() => assertImportable(invoice(overrides), NOW)).toThrow(expect.objectContaining({ path, message: expect.stringMatching(message) }));
  });
});

describe('imported numbers and times', () => {
  test.each([
    ['INV-2026-000042', ['INV', 'CN']],
    ['INV-2019-1', ['INV', 'CN']],
    ['CN-2026-000001', ['INV', 'CN']],
    ['ACME-2026-000001', ['ACME', 'CN']],
  ])('when a number has the form of billflow\'s own series (%s), then it is refused', (number, prefixes) => {
    expect(() => assertImportableNumber(number, prefixes)).toThrow(expect.objectContaining({ path: 'number', message: expect.stringContaining('-YYYY-NNNNNN series') }));
  });

  test.each(['RE-2026-17', 'INV2026000042', 'INV-26-000042', 'inv-2026-000042', '2026/0042', 'INV-2026-000042-A'])('when a number is the earlier system\'s own (%s), then it is kept', (number) => {
    expect(() => assertImportableNumber(number, ['INV', 'CN'])).not.toThrow();
  });

  test.each([
    ['2026-03-31', '2026-03-31T00:00:00.000Z'],
    ['2026-03-31T10:15:00+02:00', '2026-03-31T08:15:00.000Z'],
    ['2026-03-31T10:15:00.123Z', '2026-03-31T10:15:00.123Z'],
  ])('when a time is written %s, then it is %s', (text, iso) => {
    expect(parseImportedTime(text, 'dueAt')).toBe(iso);
  });

  test.each(['2026-02-30', '31.03.2026', '2026-03-31T10:15:00', 'yesterday', '', '0000-01-01'])('when a time is written %j, then it is refused naming the field', (text) => {
    expect(() => parseImportedTime(text, 'dueAt')).toThrow(expect.objectContaining({ path: 'dueAt' }));
  });
});
