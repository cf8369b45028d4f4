/** The api over HTTP, as its clients call it: a bearer key, JSON in and out. */
export interface ApiAnswer {
  status: number;
  body: unknown;
}

export async function callApi(baseUrl: string, method: 'GET' | 'POST', path: string, key: string, body?: unknown): Promise<ApiAnswer> {
  const response = await fetch(`${baseUrl}${path}`, {
    method,
    headers: { authorization: `Bearer ${key}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    // Not JSON: kept as text for the error message.
  }
  return { status: response.status, body: parsed };
}

/** The answer's body when its status is one of `expected`; else an error with what the api said. */
export function expectStatus<T>(answer: ApiAnswer, expected: readonly number[], what: string): T {
  if (!expected.includes(answer.status)) {
    throw new Error(`${what}: the api answered ${answer.status} ${JSON.stringify(answer.body).slice(0, 500)}`);
  }
  return answer.body as T;
}
