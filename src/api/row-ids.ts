/**
 * Ids of stored rows are printable ASCII (`cus_…`, `inv_…`, `default`). A path parameter that is
 * not cannot name a row, and some (a NUL byte) would fail in PostgreSQL rather than find nothing:
 * routes answer 404 for them without a query.
 */
export const ROW_ID = /^[\x21-\x7e]{1,200}$/;

export function couldBeRowId(text: string): boolean {
  return ROW_ID.test(text);
}
