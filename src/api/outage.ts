import { isGrpcServiceError } from '@temporalio/client';
import postgres from 'postgres';

/** What a 503 tells the client to wait before retrying: long enough for a restart or a failover to begin. */
export const OUTAGE_RETRY_AFTER_SECONDS = 5;

export interface Outage {
  dependency: 'postgres' | 'temporal' | 'network';
  code: string;
}

/** postgres.js's own codes for a connection it could not make or lost. */
const POSTGRES_CONNECTION_CODES = new Set(['CONNECT_TIMEOUT', 'CONNECTION_CLOSED', 'CONNECTION_ENDED', 'CONNECTION_DESTROYED']);

/**
 * SQLSTATEs of a server that is unreachable, going away or full, rather than refusing this request:
 * class 08 (connection exception), 57P01-57P03 (admin shutdown, crash shutdown, cannot connect now)
 * and 53300 (too many connections).
 */
const isUnavailableSqlState = (code: string): boolean => code.startsWith('08') || ['57P01', '57P02', '57P03', '53300'].includes(code);

/** Node's socket errors, which postgres.js passes on as they are (and other clients may too). */
const SOCKET_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EPIPE', 'EAI_AGAIN']);

/**
 * gRPC statuses of a Temporal frontend that cannot be reached or did not answer in time. The SDK
 * wraps them: `workflow.start` and `query` throw a ServiceError whose `cause` has the status, and
 * `executeUpdate` a WorkflowUpdateRPCTimeoutOrCancelledError on a deadline; hence the walk down `cause`.
 */
const GRPC_DEADLINE_EXCEEDED = 4;
const GRPC_UNAVAILABLE = 14;

function classifyOne(error: object): Outage | null {
  if (isGrpcServiceError(error)) {
    const status: number = error.code;
    if (status === GRPC_UNAVAILABLE) return { dependency: 'temporal', code: 'UNAVAILABLE' };
    if (status === GRPC_DEADLINE_EXCEEDED) return { dependency: 'temporal', code: 'DEADLINE_EXCEEDED' };
    return null;
  }
  const code = (error as { code?: unknown }).code;
  if (typeof code !== 'string') return null;
  if (error instanceof postgres.PostgresError) return isUnavailableSqlState(code) ? { dependency: 'postgres', code } : null;
  if (POSTGRES_CONNECTION_CODES.has(code)) return { dependency: 'postgres', code };
  if (SOCKET_CODES.has(code)) return { dependency: 'network', code };
  return null;
}

/**
 * Whether `error` means that PostgreSQL or Temporal cannot be reached right now (answer 503 and
 * let the client retry) rather than that this request is wrong or billflow has a bug (500). Looks
 * through `cause` chains and AggregateErrors (Node's connect reports every address it tried).
 */
export function outageOf(error: unknown, depth = 0): Outage | null {
  if (depth > 8 || typeof error !== 'object' || error === null) return null;
  const own = classifyOne(error);
  if (own) return own;
  if (error instanceof AggregateError) {
    for (const inner of error.errors as unknown[]) {
      const found = outageOf(inner, depth + 1);
      if (found) return found;
    }
  }
  return outageOf((error as { cause?: unknown }).cause, depth + 1);
}
