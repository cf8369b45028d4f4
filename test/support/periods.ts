/**
 * Months of a year of the calling test file's own. A real billing run's workflow id is its period
 * (`billing-run:run_2026-10`) and every test file shares the one Temporal server (not the database),
 * so files that run billing runs must not meet on a period.
 */
export function monthsOfOwnYear(): (month: number) => string {
  const year = 2100 + Math.floor(Math.random() * 7800);
  return (month) => `${year}-${String(month).padStart(2, '0')}`;
}
