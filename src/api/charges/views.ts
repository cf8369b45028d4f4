import type { Charge } from '../../domain/charge';

/** The charge as API.md shows it: the stored charge less what only billing runs use. */
export type ChargeView = Omit<Charge, 'billingRunId'>;

export function chargeView(charge: Charge): ChargeView {
  const { billingRunId: _billingRunId, ...view } = charge;
  return view;
}
