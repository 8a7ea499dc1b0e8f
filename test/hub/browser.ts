/**
 * A minimal browser for login tests: a cookie jar per host, manual redirects, HTML forms, and
 * a "DNS + ingress" map that sends a public origin (https://hubs.example.edu) to a local port
 * with the Host and X-Forwarded-Proto headers the ingress would set.
 */
import { request } from "node:http";

export interface Page {
  readonly url: URL;
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: string;
  /** Where a redirect points, resolved against the request URL. */
  readonly location?: URL;
}

export class Browser {
  private readonly jar = new Map<string, Map<string, string>>();

  /** @param ingress public origin → local http origin that serves it */
  constructor(private readonly ingress: Record<string, string> = {}) {}

  async get(url: string | URL): Promise<Page> {
    return this.send("GET", new URL(url));
  }

  async post(url: string | URL, form: Record<string, string>): Promise<Page> {
    return this.send("POST", new URL(url), new URLSearchParams(form).toString());
  }

  /** Follows redirects while `keepGoing(next)` says so; returns the last page fetched. */
  async follow(first: Page, keepGoing: (next: URL) => boolean, max = 20): Promise<Page> {
    let page = first;
    for (let i = 0; i < max && page.location && keepGoing(page.location); i++) {
      page = await this.get(page.location);
    }
    return page;
  }

  cookies(host: string): ReadonlyMap<string, string> {
    return this.jar.get(host) ?? new Map();
  }

  private send(method: string, url: URL, body?: string): Promise<Page> {
    const local = this.ingress[url.origin];
    const target = local ? new URL(url.pathname + url.search, local) : url;
    const headers: Record<string, string> = { host: url.host };
    if (local) headers["x-forwarded-proto"] = url.protocol.replace(":", "");
    const cookies = [...this.cookies(url.hostname)].map(([k, v]) => `${k}=${v}`).join("; ");
    if (cookies) headers.cookie = cookies;
    if (body !== undefined) {
      headers["content-type"] = "application/x-www-form-urlencoded";
      headers["content-length"] = String(Buffer.byteLength(body));
    }
    return new Promise((resolve, reject) => {
      const req = request(target, { method, headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => {
          this.store(url.hostname, res.headers["set-cookie"] ?? []);
          const location = res.headers.location;
          resolve({
            url,
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString("utf8"),
            ...(location ? { location: new URL(location, url) } : {}),
          });
        });
        res.on("error", reject);
      });
      req.on("error", reject);
      req.end(body);
    });
  }

  /** Cookie paths and flags are ignored: the tests talk to one hub and one provider per host. */
  private store(host: string, setCookies: readonly string[]): void {
    const jar = this.jar.get(host) ?? new Map<string, string>();
    this.jar.set(host, jar);
    for (const line of setCookies) {
      const [pair = "", ...attributes] = line.split(";");
      const eq = pair.indexOf("=");
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      const expired = attributes.some((a) => {
        const [k = "", v = ""] = a.trim().split("=");
        if (k.toLowerCase() === "max-age") return Number(v) <= 0;
        if (k.toLowerCase() === "expires") return Date.parse(v) < Date.now();
        return false;
      });
      if (expired || value === "" || value === '""') jar.delete(name);
      else jar.set(name, value);
    }
  }
}

/** The first HTML form of a page: its action (resolved) and its named inputs' values. */
export function firstForm(page: Page): { action: URL; fields: Record<string, string> } {
  const form = /<form\b([^>]*)>([\s\S]*?)<\/form>/i.exec(page.body);
  if (!form)
    throw new Error(`no form on ${page.url} (${page.status}):\n${page.body.slice(0, 500)}`);
  const action = /action="([^"]*)"/i.exec(form[1] ?? "")?.[1] ?? page.url.pathname;
  const fields: Record<string, string> = {};
  for (const input of (form[2] ?? "").matchAll(/<input\b([^>]*)>/gi)) {
    const name = /name="([^"]*)"/i.exec(input[1] ?? "")?.[1];
    const value = /value="([^"]*)"/i.exec(input[1] ?? "")?.[1] ?? "";
    if (name) fields[name] = decodeHtml(value);
  }
  return { action: new URL(decodeHtml(action), page.url), fields };
}

const decodeHtml = (text: string): string =>
  text
    .replace(/&quot;/g, '"')
    .replace(/&#39;|&#x27;/g, "'")
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&amp;/g, "&");
