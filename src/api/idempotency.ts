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

/** What this process knows about the claims it made, per database. */
interface ClaimsHere {
  /** Requests running now, by claim: a second request with the same key waits for the first. */
  running: Map<string, Promise<unknown>>;
  /** Claims whose request failed and whose release failed too (the database was away): dead, to be released on the next try. */
  unreleased: Set<string>;
}

const claimsByPool = new WeakMap<Sql, ClaimsHere>();

function claimsHere(sql: Sql): ClaimsHere {
  let claims = claimsByPool.get(sql);
  if (!claims) {
    claims = { running: new Map(), unreleased: new Set() };
    claimsByPool.set(sql, claims);
  }
  return claims;
}

/**
 * Runs a create under the request's `Idempotency-Key`: the same key with the same body returns the
 * first answer; with another body, 409 idempotency_conflict. `create` receives a seed derived from
 * the key so the record it makes has a stable id: a retry after a crash finds it instead of
 * creating a second one.
 *
 * The key is claimed with a committed row and released (deleted) when the create fails. In an
 * outage the release fails as well, which used to leave the key "in progress" until the claim went
 * stale. Such a claim is now known to be dead: by this process, which remembers the releases that
 * failed and makes them on the next try with the key, and by any process once the database has
 * restarted since the claim. Requests with the same key in this process run one after the other,
 * so a concurrent duplicate answers with the stored answer instead of 409.
 *
 * Why not hold the claim in a transaction around the create (free on rollback, duplicates wait
 * on the primary key)? The transaction would stay open during the create, which calls Temporal
 * (up to ~20 s of SDK retries in a Temporal outage), holding a pooled connection while the create
 * needs another: a pool exhausted by claims deadlocks. Since the create is idempotent by its seed,
 * a claim taken over too early costs nothing but duplicate work; what remains unsolved is only the
 * case of another api process (or this one, restarted) whose release failed while the database
 * stayed up: that claim is free after STALE_CLAIM_SECONDS.
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

  const claims = claimsHere(sql);
  const claim = `${caller.principal}\n${key}`;
  for (let earlier = claims.running.get(claim); earlier; earlier = claims.running.get(claim)) await earlier.catch(() => undefined);
  const running = runClaimed(sql, req, caller, key, requestHash, create);
  claims.running.set(claim, running);
  try {
    return await running;
  } finally {
    if (claims.running.get(claim) === running) claims.running.delete(claim);
  }
}

async function runClaimed(
  sql: Sql,
  req: Request,
  caller: Caller,
  key: string,
  requestHash: string,
  create: (seed: string | null) => Promise<Created>,
): Promise<Created> {
  const { unreleased } = claimsHere(sql);
  const claim = `${caller.principal}\n${key}`;
  if (unreleased.has(claim)) {
    await releaseIdempotencyKey(sql, caller.principal, key);
    unreleased.delete(claim);
  }

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
    // The seed makes the create itself idempotent, so releasing the key loses nothing. The answer
    // is the create's own error, whether or not the release worked.
    try {
      await releaseIdempotencyKey(sql, caller.principal, key);
    } catch (releaseError) {
      unreleased.add(claim);
      req.log.warn({ err: releaseError }, 'could not release an Idempotency-Key; released on its next use');
    }
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
