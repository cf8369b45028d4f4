import { createHash } from 'node:crypto';
import type { Request } from 'express';
import type { Sql } from '../db/client';
import {
  claimIdempotencyKey,
  completeIdempotencyKey,
  findIdempotencyRecord,
  reclaimStaleIdempotencyKey,
  releaseIdempotencyKey,
} from '../db/idempotency';
import { AppError, ErrorCode, validationError } from '../errors';
import type { Caller } from './auth';

export interface Created {
  status: number;
  body: unknown;
}

/** A claim older than this whose request never answered is taken over by the next retry. */
const STALE_CLAIM_SECONDS = 30;

/**
 * Runs a create under the request's `Idempotency-Key`: the same key with the same body returns the
 * first answer; with another body, 409 idempotency_conflict. `create` receives a seed derived from
 * the key so the record it makes has a stable id: a retry after a crash finds it instead of
 * creating a second one.
 */
export async function withIdempotency(
  sql: Sql,
  req: Request,
  caller: Caller,
  create: (seed: string | null) => Promise<Created>,
): Promise<Created> {
  const key = req.get('idempotency-key');
  if (key === undefined) return create(null);
  if (!/^[\x21-\x7e]{1,255}$/.test(key)) throw validationError('Idempotency-Key', 'must be 1 to 255 printable ASCII characters');
  const requestHash = createHash('sha256').update(`${req.method} ${req.path}\n${stableJson(req.body)}`).digest('hex');

  if (!(await claimIdempotencyKey(sql, caller.principal, key, requestHash))) {
    const record = await findIdempotencyRecord(sql, caller.principal, key);
    if (record && record.requestHash !== requestHash) {
      throw new AppError({ code: ErrorCode.idempotencyConflict, message: 'this Idempotency-Key was used with a different request' });
    }
    if (record && record.responseStatus !== null) return { status: record.responseStatus, body: record.responseBody };
    const reclaimed = record ? await reclaimStaleIdempotencyKey(sql, caller.principal, key, STALE_CLAIM_SECONDS) : await claimIdempotencyKey(sql, caller.principal, key, requestHash);
    if (!reclaimed) throw new AppError({ code: ErrorCode.conflict, message: 'a request with this Idempotency-Key is still in progress; retry shortly' });
  }

  try {
    const created = await create(`${caller.principal}:${key}`);
    await completeIdempotencyKey(sql, caller.principal, key, created.status, created.body);
    return created;
  } catch (error) {
    // The seed makes the create itself idempotent, so releasing the key loses nothing.
    await releaseIdempotencyKey(sql, caller.principal, key);
    throw error;
  }
}

/** JSON with object keys sorted, so the same body always hashes the same. */
export function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}
