import fc from 'fast-check';
import { addToTotals, runInvoiceDraft } from '../../src/domain/billing-run';
import type { Charge } from '../../src/domain/charge';

/** What a billing run makes of charges: one invoice per customer and currency that adds up to them. */

const charge = fc.record({
  customerId: fc.constantFrom('cus_a', 'cus_b', 'cus_c'),
  currency: fc.constantFrom('EUR', 'USD', 'JPY'),
  description: fc.constantFrom('Consulting', 'Usage', 'Hours'),
  quantity: fc.integer({ min: 1, max: 99_999 }).map((n) => (n / 100).toString()),
  unitPriceMinor: fc.integer({ min: 0, max: 1_000_000 }),
  taxRateBps: fc.constantFrom(0, 700, 1900, 2000),
});

const netOf = (quantity: string, unitPriceMinor: number) => {
  // Exact: quantity has at most 2 decimals here, so quantity × price × 100 is an integer.
  const cents = BigInt(Math.round(Number(quantity) * 100)) * BigInt(unitPriceMinor);
  const whole = cents / 100n;
  return Number(cents % 100n >= 50n ? whole + 1n : whole);
};

test('for any set of charges, the run\'s invoices sum to the charges per customer and currency, and each charge is one line', () => {
  fc.assert(
    fc.property(fc.array(charge, { minLength: 1, maxLength: 40 }), (charges) => {
      const groups = new Map<string, typeof charges>();
      for (const c of charges) groups.set(`${c.customerId}/${c.currency}`, [...(groups.get(`${c.customerId}/${c.currency}`) ?? []), c]);
      let lines = 0;
      for (const [key, members] of groups) {
        const [customerId = '', currency = ''] = key.split('/');
        const draft = runInvoiceDraft(members as unknown as Charge[], {
          id: 'inv_x',
          runId: 'run_2026-10',
          customerId,
          currency,
          terms: { paymentTermsDays: 30, dunningPolicyId: 'default' },
          createdBy: 'olivia',
          now: '2026-11-01T00:00:00.000Z',
        });
        expect(draft.subtotalMinor).toBe(members.reduce((sum, c) => sum + netOf(c.quantity, c.unitPriceMinor), 0));
        expect(draft.totalMinor).toBe(draft.lines.reduce((sum, l) => sum + l.totalMinor, 0));
        expect(draft).toMatchObject({ customerId, currency, billingRunId: 'run_2026-10', approval: 'policy' });
        lines += draft.lines.length;
      }
      expect(lines).toBe(charges.length);
    }),
  );
});

test('totals per currency add up and stay in currency order', () => {
  fc.assert(
    fc.property(fc.array(fc.tuple(fc.constantFrom('USD', 'EUR', 'JPY'), fc.integer({ min: 0, max: 1e9 }))), (amounts) => {
      const totals = amounts.reduce((acc, [currency, amount]) => addToTotals(acc, currency, amount), [] as { currency: string; totalMinor: number }[]);
      for (const currency of ['EUR', 'JPY', 'USD']) {
        expect(totals.find((t) => t.currency === currency)?.totalMinor ?? 0).toBe(amounts.filter(([c]) => c === currency).reduce((s, [, a]) => s + a, 0));
      }
      expect(totals.map((t) => t.currency)).toEqual([...totals.map((t) => t.currency)].sort());
    }),
  );
});
