// What setup() says when a service refuses the harness's own requests (a token fetch, say): what
// answered, and why that stops the run, from the answer itself rather than a guess. A 429 is
// waited out first, as Retry-After asks, within a budget. Pure: unit-tested in Node.
import { isValidRetryAfter } from './http-headers.ts';

export interface HarnessAnswer {
  /** What the harness asked for, e.g. "token 12 of 91". */
  what: string;
  url: string;
  /** 0 when nothing answered. */
  status: number;
  /** k6's error text when nothing answered. */
  error?: string;
  retryAfter?: string;
  /** The start of the body, for the message. */
  body?: string;
}

/** Seconds to wait before asking again after a 429: Retry-After's delay-seconds, 1 s without one (a date counts as 1 s). */
export function retryDelaySeconds(retryAfter: string | undefined): number {
  const v = retryAfter?.trim();
  return v !== undefined && /^\d+$/.test(v) ? Math.max(1, Number(v)) : 1;
}

/** The reason a refusal stops the run, by what answered. */
export function refusalMessage(a: HarnessAnswer, waitedSeconds: number, purpose: string, harnessAddress: string, needs: string): string {
  const answered =
    a.status === 0
      ? `nothing answered (${a.error ?? 'no response'})`
      : `HTTP ${a.status}${a.retryAfter !== undefined ? ` (Retry-After: ${a.retryAfter}${isValidRetryAfter(a.retryAfter) ? '' : ', not valid per RFC 9110'})` : ''}` +
        (a.body ? `: ${a.body.slice(0, 120).replace(/\s+/g, ' ').trim()}` : '');
  const from = `it came from the harness address (${harnessAddress}), never from a load role's`;
  const why =
    a.status === 429
      ? `a rate limit in front of it refused the harness's own requests and still did after ${waitedSeconds} s of waiting as it asked; ${from}. ` +
        'Let that address through, raise the limit, or point the URL at the service directly (not through the edge under test)'
      : a.status === 401 || a.status === 403
        ? `it refused to answer without credentials; ${from}. ${needs}`
        : a.status >= 500
          ? 'it failed on its side; the load would be judged against a service that cannot serve the harness'
          : a.status === 0
            ? 'check the URL and that the service is up'
            : `it is not the answer the scenario needs: ${needs}`;
  return `${purpose}: ${a.what} at ${a.url}: ${answered}. The run stops before any load because ${why}.`;
}
