import { createHash, randomBytes } from 'node:crypto';

const ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz';

function base32(bytes: Uint8Array, length: number): string {
  let out = '';
  for (let i = 0; out.length < length; i++) out += ALPHABET[(bytes[i % bytes.length] ?? 0) & 31];
  return out;
}

/** A new random id such as `inv_4k7d…`. Never used for money operations (those have business keys). */
export function newId(prefix: string): string {
  return `${prefix}_${base32(randomBytes(20), 20)}`;
}

/** A stable id derived from a client's idempotency key, so a retried create finds the same record. */
export function idFromSeed(prefix: string, seed: string): string {
  return `${prefix}_${base32(createHash('sha256').update(seed).digest(), 20)}`;
}

/**
 * Ids of stored rows are printable ASCII (`cus_…`, `inv_…`, `default`). A path parameter that is
 * not cannot name a row, and some (a NUL byte) would fail in PostgreSQL rather than find nothing:
 * callers answer 404 for them without a query.
 */
export const ROW_ID = /^[\x21-\x7e]{1,200}$/;

export function couldBeRowId(text: string): boolean {
  return ROW_ID.test(text);
}
