/** The few api calls the command line makes, over HTTP with the operator's key (API.md "Billing runs"). */

export type RunStatus = 'running' | 'completed' | 'cancelled' | 'failed';

export interface RunStarted {
  id: string;
  period: string;
  status: RunStatus;
  dryRun: boolean;
}

export interface RunCounts {
  planned: number;
  created: number;
  issued: number;
  sent: number;
  failed: number;
}

export interface RunReport extends RunStarted {
  counts: RunCounts;
  totals: { currency: string; totalMinor: number }[];
  startedAt: string;
  finishedAt: string | null;
}

/** An answer other than 2xx, with the api's error body (`{error: {code, message, details}}`) when it sent one. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string | null,
    readonly apiMessage: string,
    readonly details: { path: string; message: string }[],
  ) {
    super(`the api answered ${status}${code ? ` ${code}` : ''}: ${apiMessage}`);
  }

  /** Worth asking again: the api or something in front of it is briefly away. */
  get transient(): boolean {
    return this.status === 502 || this.status === 503 || this.status === 504;
  }
}

/** The api could not be reached at all (refused, reset, DNS). */
export class UnreachableError extends Error {
  readonly transient = true;
}

export interface ApiClient {
  startRun(body: { period: string; dryRun: boolean; customerIds?: string[] }, idempotencyKey: string): Promise<{ created: boolean; run: RunStarted }>;
  getRun(id: string): Promise<RunReport>;
  countPreviews(id: string): Promise<number>;
}

export function createApiClient({ baseUrl, apiKey }: { baseUrl: string; apiKey: string }): ApiClient {
  async function request(method: string, path: string, options: { body?: unknown; headers?: Record<string, string> } = {}) {
    let response: Response;
    try {
      response = await fetch(new URL(path, baseUrl), {
        method,
        headers: {
          authorization: `Bearer ${apiKey}`,
          accept: 'application/json',
          ...(options.body === undefined ? {} : { 'content-type': 'application/json' }),
          ...options.headers,
        },
        body: options.body === undefined ? undefined : JSON.stringify(options.body),
        signal: AbortSignal.timeout(30_000),
      });
    } catch (error) {
      const cause = error instanceof Error && error.cause instanceof Error ? error.cause.message : error instanceof Error ? error.message : String(error);
      throw new UnreachableError(`cannot reach billflow at ${baseUrl}: ${cause}`);
    }
    const text = await response.text();
    if (!response.ok) throw apiErrorOf(response.status, text);
    try {
      return { status: response.status, body: JSON.parse(text) as unknown };
    } catch {
      throw new ApiError(response.status, null, `an answer that is not JSON: ${text.slice(0, 200)}`, []);
    }
  }

  return {
    async startRun(body, idempotencyKey) {
      const res = await request('POST', '/billing-runs', { body, headers: { 'idempotency-key': idempotencyKey } });
      return { created: res.status === 202, run: res.body as RunStarted };
    },
    async getRun(id) {
      return (await request('GET', `/billing-runs/${encodeURIComponent(id)}`)).body as RunReport;
    },
    async countPreviews(id) {
      let count = 0;
      let cursor: string | null = null;
      do {
        const query: string = `limit=200${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
        const page = (await request('GET', `/billing-runs/${encodeURIComponent(id)}/invoices?${query}`)).body as { data: unknown[]; nextCursor: string | null };
        count += page.data.length;
        cursor = page.nextCursor;
      } while (cursor);
      return count;
    },
  };
}

function apiErrorOf(status: number, text: string): ApiError {
  try {
    const body = JSON.parse(text) as { error?: { code?: unknown; message?: unknown; details?: unknown } };
    const error = body.error;
    if (error && typeof error.message === 'string') {
      const details = Array.isArray(error.details) ? (error.details as { path: string; message: string }[]) : [];
      return new ApiError(status, typeof error.code === 'string' ? error.code : null, error.message, details);
    }
  } catch {
    // not the api's error body (a proxy's page, say): shown as text below
  }
  return new ApiError(status, null, text.trim().slice(0, 200) || '(no body)', []);
}
