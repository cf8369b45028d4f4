/** What a page request answered: status, redirect target, headers, cookies set, and the body as text and bytes. */
export interface Page {
  status: number;
  location: string | null;
  type: string | null;
  headers: Headers;
  setCookies: string[];
  html: string;
  bytes: Buffer;
}

/**
 * A browser's part that matters to the /app pages over plain HTTP: a cookie jar, no redirects
 * followed, forms posted urlencoded (a field given several values is sent once per value).
 */
export class Visitor {
  readonly cookies = new Map<string, string>();

  constructor(private readonly baseUrl: () => string) {}

  async request(method: 'GET' | 'POST', path: string, form?: Record<string, string | string[]>): Promise<Page> {
    const fields = form ? Object.entries(form).flatMap(([k, v]) => (Array.isArray(v) ? v.map((x): [string, string] => [k, x]) : [[k, v] as [string, string]])) : null;
    const response = await fetch(`${this.baseUrl()}${path}`, {
      method,
      redirect: 'manual',
      headers: {
        ...(this.cookies.size > 0 ? { cookie: [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ') } : {}),
        ...(fields ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
      },
      body: fields ? new URLSearchParams(fields).toString() : undefined,
    });
    const setCookies = response.headers.getSetCookie();
    for (const cookie of setCookies) {
      const [pair = ''] = cookie.split(';');
      const eq = pair.indexOf('=');
      const [name, value] = [pair.slice(0, eq), pair.slice(eq + 1)];
      if (value === '' || /Expires=Thu, 01 Jan 1970/i.test(cookie)) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    const bytes = Buffer.from(await response.arrayBuffer());
    return {
      status: response.status,
      location: response.headers.get('location'),
      type: response.headers.get('content-type'),
      headers: response.headers,
      setCookies,
      html: bytes.toString('utf8'),
      bytes,
    };
  }

  get = (path: string) => this.request('GET', path);
  post = (path: string, form: Record<string, string | string[]>) => this.request('POST', path, form);
}
