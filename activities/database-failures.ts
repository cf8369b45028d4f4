import { ApplicationFailure } from '@temporalio/activity';
import postgres from 'postgres';
import { RefusedWrite } from '../src/db/client';
import { ErrorCode } from '../src/errors';

/**
 * SQLSTATE classes that no retry can fix: 22 data exception (e.g. 22021, a NUL byte in text),
 * 23 integrity constraint violation (a check constraint on an amount), 42 syntax or access rule,
 * 54 program limit exceeded. Everything else (connections, 40001 serialisation, 57P01 shutdown) is
 * left to Temporal's retries.
 */
const PERMANENT_CLASSES: Readonly<Record<string, ErrorCode>> = {
  '22': ErrorCode.validationFailed,
  '23': ErrorCode.validationFailed,
  '42': ErrorCode.internal,
  '54': ErrorCode.internal,
};

/** A database error as Temporal should treat it: permanent ones fail at once, without retries. */
export function classifyDatabaseError(error: unknown): unknown {
  if (error instanceof RefusedWrite) return ApplicationFailure.nonRetryable(error.message, ErrorCode.validationFailed);
  if (error instanceof postgres.PostgresError) {
    const type = PERMANENT_CLASSES[error.code.slice(0, 2)];
    if (type) return ApplicationFailure.create({ type, message: `PostgreSQL refused the write (${error.code}): ${error.message}`, nonRetryable: true, cause: error });
  }
  return error;
}

/**
 * Wraps each database activity so that a permanent failure reaches the workflow at once: the
 * command that caused it is refused instead of being retried for an hour while its caller waits.
 */
export function failPermanentlyOnBadData<T extends Record<string, (arg: never) => Promise<unknown>>>(activities: T): T {
  return Object.fromEntries(
    Object.entries(activities).map(([name, fn]) => [
      name,
      async (arg: never) => {
        try {
          return await fn(arg);
        } catch (error) {
          throw classifyDatabaseError(error);
        }
      },
    ]),
  ) as T;
}
