// What a refusal must say, by the standard rather than by one implementation: RFC 9110's
// Retry-After (delay-seconds or an HTTP-date), and the IETF draft RateLimit fields, which many
// limiters (nginx's limit_req among them) do not send: reported, required only when asked.
// Pure: unit-tested in Node.

const DAY = '(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)';
const LONG_DAY = '(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)';
const MONTH = '(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)';
const TIME = '\\d{2}:\\d{2}:\\d{2}';
// RFC 9110 5.6.7: IMF-fixdate, and the two obsolete forms a recipient must accept.
const HTTP_DATE = new RegExp(
  `^(?:${DAY}, \\d{2} ${MONTH} \\d{4} ${TIME} GMT|${LONG_DAY}, \\d{2}-${MONTH}-\\d{2} ${TIME} GMT|${DAY} ${MONTH} (?: \\d|\\d{2}) ${TIME} \\d{4})$`,
);

/** Whether `value` is a valid Retry-After (RFC 9110 10.2.3): delay-seconds (digits) or an HTTP-date. */
export function isValidRetryAfter(value: string | undefined): boolean {
  if (value === undefined) return false;
  const v = value.trim();
  return /^\d+$/.test(v) || HTTP_DATE.test(v);
}

/** A response's header by name, whatever its case. */
export function headerOf(headers: Record<string, string>, name: string): string | undefined {
  const want = name.toLowerCase();
  for (const [k, v] of Object.entries(headers)) if (k.toLowerCase() === want) return v;
  return undefined;
}

export interface RateLimitFields {
  /** Any RateLimit field at all: RateLimit-Limit/-Remaining/-Reset (draft 7), RateLimit and RateLimit-Policy (later drafts). */
  present: boolean;
  limit?: number;
  remaining?: number;
}

/** The draft RateLimit fields of a response, as far as they are there. */
export function rateLimitFields(headers: Record<string, string>): RateLimitFields {
  const num = (v: string | undefined) => (v !== undefined && /^\s*\d+\s*$/.test(v) ? Number(v) : undefined);
  const names = ['RateLimit-Limit', 'RateLimit-Remaining', 'RateLimit-Reset', 'RateLimit', 'RateLimit-Policy'];
  const present = names.some((n) => headerOf(headers, n) !== undefined);
  // Later drafts: RateLimit: "policy";r=<remaining>;t=<reset>.
  const structured = /;\s*r=(\d+)/.exec(headerOf(headers, 'RateLimit') ?? '');
  return {
    present,
    limit: num(headerOf(headers, 'RateLimit-Limit')),
    remaining: num(headerOf(headers, 'RateLimit-Remaining')) ?? (structured ? Number(structured[1]) : undefined),
  };
}
