/**
 * A cookie-keeping HTTP client for the console (no browser): what a browser sends, nothing more.
 * Redirects are not followed, so tests see each 303 and each Set-Cookie.
 */
export class ConsoleClient {
  readonly jar = new Map<string, string>();
  readonly base: string;
  constructor(base: string) {
    this.base = base;
  }

  cookieHeader(): string {
    return [...this.jar].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  private keep(res: Response): void {
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(';');
      const i = pair!.indexOf('=');
      const k = pair!.slice(0, i);
      const v = pair!.slice(i + 1);
      if (v === '' || /max-age=0/i.test(c)) this.jar.delete(k);
      else this.jar.set(k, v);
    }
  }

  async get(path: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: Headers; text: string }> {
    const res = await fetch(this.base + path, { redirect: 'manual', headers: { cookie: this.cookieHeader(), ...headers } });
    this.keep(res);
    return { status: res.status, headers: res.headers, text: await res.text() };
  }

  async post(path: string, form: Record<string, string>, headers: Record<string, string> = {}): Promise<{ status: number; headers: Headers; text: string }> {
    const res = await fetch(this.base + path, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: this.cookieHeader(), ...headers },
      body: new URLSearchParams(form).toString(),
    });
    this.keep(res);
    return { status: res.status, headers: res.headers, text: await res.text() };
  }

  /** The CSRF token of a page (the first `_csrf` field). */
  static csrfOf(pageText: string): string {
    const m = /name="_csrf" value="([^"]+)"/.exec(pageText);
    if (!m) throw new Error('no CSRF field on the page');
    return m[1]!;
  }

  /** Signs in with an API key through the login form; returns the final session cookie. */
  async signIn(key: string): Promise<string> {
    const login = await this.get('/console/login');
    const r = await this.post('/console/login', { _csrf: ConsoleClient.csrfOf(login.text), key });
    if (r.status !== 303) throw new Error(`sign-in answered ${r.status}: ${r.text.slice(0, 300)}`);
    return this.jar.get('airlock_console')!;
  }
}
