// Keeps load on loopback unless the user names another host: a load test aimed at the wrong
// address is an attack on someone else's service.
import { fail } from './fail.ts';

/** The host of an absolute URL, lowercased, IPv6 without brackets; undefined if unparsable. */
export function hostOf(url: string): string | undefined {
  const m = /^[a-z][a-z0-9+.-]*:\/\/(?:[^@/?#]*@)?(\[[^\]]+\]|[^/:?#]+)/i.exec(url);
  if (!m) return undefined;
  return m[1]!.toLowerCase().replace(/^\[|\]$/g, '');
}

export function isLoopback(host: string): boolean {
  if (host === 'localhost' || host === '::1' || host === '0:0:0:0:0:0:0:1') return true;
  const m = /^127\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(host);
  return m !== null && m.slice(1).every((o) => Number(o) <= 255);
}

/** Whether `host` is named by `allowed` ("api.example.com", or "*.example.com" for subdomains). */
export function isAllowed(host: string, allowed: readonly string[]): boolean {
  return allowed.some((a) => (a.startsWith('*.') ? host.endsWith(a.slice(1)) : host === a.replace(/^\[|\]$/g, '')));
}

/** Fails, saying why and how to allow it, unless every URL's host is loopback or allowed. */
export function assertSafeTargets(urls: Record<string, string>, allowed: readonly string[]): void {
  for (const [key, url] of Object.entries(urls)) {
    const host = hostOf(url);
    if (host === undefined) fail(`-e ${key}=${JSON.stringify(url)} is not an absolute URL`);
    if (isLoopback(host) || isAllowed(host, allowed)) continue;
    fail(
      `refusing to send load to ${host} (from ${key}=${url}): by default floodgate only targets ` +
        `loopback (127.0.0.0/8, ::1, localhost). If ${host} is yours and you mean to load it, ` +
        `allow it explicitly: -e ALLOWED_HOSTS=${host}`,
    );
  }
}

/**
 * k6 `blacklistIPs` covering every address but loopback, for runs with no ALLOWED_HOSTS: a
 * redirect or a name resolving elsewhere is then blocked by k6 itself, not only by the check
 * above. IPv4: the complement of 127.0.0.0/8. IPv6: the complement of ::1/128.
 */
export function nonLoopbackCidrs(): string[] {
  const v4 = ['0.0.0.0/2', '64.0.0.0/3', '96.0.0.0/4', '112.0.0.0/5', '120.0.0.0/6', '124.0.0.0/7', '126.0.0.0/8', '128.0.0.0/1'];
  // ::1 is all zero bits but the last, so for each n < 128 the /n block whose only set bit is
  // bit n lies wholly outside ::1, and together with ::/128 they cover everything else.
  const v6 = ['::/128'];
  for (let n = 1; n < 128; n++) {
    const groups = new Array<number>(8).fill(0);
    groups[Math.floor((n - 1) / 16)] = 0x8000 >> ((n - 1) % 16);
    v6.push(`${groups.map((g) => g.toString(16)).join(':')}/${n}`);
  }
  return [...v4, ...v6];
}
