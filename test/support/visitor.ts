const unescapeHtml = (text: string): string =>
  text.replace(/&(amp|lt|gt|quot|#39);/g, (_, name: string) => ({ amp: '&', lt: '<', gt: '>', quot: '"', '#39': "'" })[name] ?? '');

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

/** The CSRF token of a page's forms (every form of a session carries the same one). */
export function csrfOf(html: string): string {
  const token = /name="_csrf" value="([^"]+)"/.exec(html)?.[1];
  if (!token) throw new Error('the page has no CSRF token');
  return token;
}

/**
 * A browser's part that matters to the /app pages over plain HTTP: a cookie jar, no redirects
 * followed, forms posted urlencoded (a field given several values is sent once per value).
 */
export class Visitor {
  readonly cookies = new Map<string, string>();
  /** The session's CSRF token once signed in through `signIn` ('' before). */
  csrf = '';

  constructor(private readonly baseUrl: () => string) {}

  /** A visitor signed in with `key` through the sign-in form, holding its session's CSRF token. */
  static async signedIn(baseUrl: () => string, key: string): Promise<Visitor> {
    const visitor = new Visitor(baseUrl);
    const login = await visitor.signIn(key);
    if (login.status !== 303) throw new Error(`signing in answered ${login.status}`);
    return visitor;
  }

  /**
   * Signs in as a person does: opens the form (at /app/login, or `from` such as /app/login?next=…),
   * posts the key with the form's token and hidden fields, and answers the sign-in's own answer (303 to
   * where it leads, or the form again with why). Once signed in, `csrf` holds the session's token.
   */
  async signIn(key: string, from = '/app/login'): Promise<Page> {
    const form = await this.get(from);
    const hidden = Object.fromEntries([...form.html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)].map(([, name = '', value = '']) => [name, unescapeHtml(value)]));
    const login = await this.post('/app/login', { ...hidden, _csrf: csrfOf(form.html), apiKey: key });
    if (login.status === 303) this.csrf = csrfOf((await this.get('/app/invoices?limit=1')).html);
    return login;
  }

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
