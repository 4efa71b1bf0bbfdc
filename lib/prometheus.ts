// Reads values out of a Prometheus text exposition the way PromQL selects series: a metric name
// and label matchers (`=`, `!=`, `=~`, `!~`; regular expressions anchored at both ends; a label a
// series lacks reads as ""), every matching series summed. Also the probe's two knobs: which
// endpoints it scrapes (PROBE_URLS) and which series become which k6 metric (PROBE_METRICS).
// Pure: unit-tested in Node.

export type MatchOp = '=' | '!=' | '=~' | '!~';

export interface Matcher {
  label: string;
  op: MatchOp;
  value: string;
}

export interface Selector {
  name: string;
  matchers: Matcher[];
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*/;
const MATCHER = /^\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)\s*"((?:[^"\\]|\\.)*)"\s*(,|$)/;
const unescape = (s: string) => s.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));

/** A PromQL-style regular expression: fully anchored, as Prometheus matches label values. */
function anchored(re: string): RegExp | undefined {
  try {
    return new RegExp(`^(?:${re})$`);
  } catch {
    return undefined;
  }
}

/** `name` or `name{label="v",label!="v",label=~"re",label!~"re"}`; undefined if it is neither. */
export function parseSelector(text: string): Selector | undefined {
  const t = text.trim();
  const name = NAME.exec(t)?.[0];
  if (!name) return undefined;
  let rest = t.slice(name.length);
  const matchers: Matcher[] = [];
  if (rest === '') return { name, matchers };
  if (!rest.startsWith('{') || !rest.endsWith('}')) return undefined;
  rest = rest.slice(1, -1);
  while (rest.trim() !== '') {
    const m = MATCHER.exec(rest);
    if (!m) return undefined;
    const matcher = { label: m[1]!, op: m[2] as MatchOp, value: unescape(m[3]!) };
    if ((matcher.op === '=~' || matcher.op === '!~') && !anchored(matcher.value)) return undefined;
    matchers.push(matcher);
    rest = rest.slice(m[0].length);
  }
  return { name, matchers };
}

export function selectorText(s: Selector): string {
  if (s.matchers.length === 0) return s.name;
  return `${s.name}{${s.matchers.map((m) => `${m.label}${m.op}${JSON.stringify(m.value)}`).join(',')}}`;
}

const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)\s*=\s*"((?:[^"\\]|\\.)*)"/g;

function labelsOf(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of text.matchAll(LABEL)) out[m[1]!] = unescape(m[2]!);
  return out;
}

/** Whether a series' labels satisfy every matcher. */
export function matches(labels: Readonly<Record<string, string>>, matchers: readonly Matcher[]): boolean {
  return matchers.every((m) => {
    const have = labels[m.label] ?? '';
    switch (m.op) {
      case '=':
        return have === m.value;
      case '!=':
        return have !== m.value;
      case '=~':
        return anchored(m.value)!.test(have);
      case '!~':
        return !anchored(m.value)!.test(have);
    }
  });
}

/** The sum of the matching samples, or undefined when the exposition has none. */
export function sampleSum(exposition: string, sel: Selector): number | undefined {
  let sum: number | undefined;
  for (const line of exposition.split('\n')) {
    if (line === '' || line.startsWith('#') || !line.startsWith(sel.name)) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})?\s+(\S+)/.exec(line);
    if (!m || m[1] !== sel.name) continue;
    if (!matches(labelsOf(m[2] ?? ''), sel.matchers)) continue;
    const value = Number(m[3]);
    if (!Number.isNaN(value)) sum = (sum ?? 0) + value;
  }
  return sum;
}

/** The endpoint a mapping reads when it names none: the service under test. */
export const DEFAULT_ENDPOINT = 'service';

export interface ProbeMapping {
  /** The k6 metric it becomes, e.g. target_inflight. Several mappings of one name are summed. */
  k6Name: string;
  selector: Selector;
  /** Which PROBE_URLS endpoint serves it. */
  endpoint: string;
  /** What the matching sum is multiplied by (a unit: `process_cpu_time_ns_total*1e-9` is seconds). */
  factor: number;
}

/** Splits on commas outside braces and quotes: a selector's own commas stay in it. */
function topLevelParts(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let quoted = false;
  let current = '';
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted && ch === '\\') {
      current += ch + (text[++i] ?? '');
      continue;
    }
    if (ch === '"') quoted = !quoted;
    if (!quoted && ch === '{') depth++;
    if (!quoted && ch === '}') depth--;
    if (ch === ',' && depth === 0 && !quoted) {
      parts.push(current);
      current = '';
    } else current += ch;
  }
  parts.push(current);
  return parts.map((p) => p.trim()).filter((p) => p !== '');
}

const K6_NAME = /^[A-Za-z_][A-Za-z0-9_]{1,127}$/;
const ENDPOINT_NAME = /^[a-z][a-z0-9_-]{0,31}$/;
const TAIL = /(?:\*([0-9.]+(?:e[+-]?\d+)?))?(?:@([a-z][a-z0-9_-]{0,31}))?$/i;

/**
 * PROBE_METRICS: comma-separated `k6_name=selector[*factor][@endpoint]`, e.g.
 * `target_inflight=http_inflight_requests,target_kv_writes=redis_commands_total{cmd=~"set|expire"}@redis`.
 * A k6 name given several times is the sum of its selectors.
 */
export function parseProbeMetrics(text: string): ProbeMapping[] | undefined {
  const out: ProbeMapping[] = [];
  for (const part of topLevelParts(text)) {
    const eq = part.indexOf('=');
    const k6Name = part.slice(0, eq).trim();
    if (eq <= 0 || !K6_NAME.test(k6Name)) return undefined;
    const right = part.slice(eq + 1).trim();
    // The factor and the endpoint follow the selector's closing brace (or its name).
    const close = right.lastIndexOf('}');
    const cut = close >= 0 ? close + 1 : (NAME.exec(right)?.[0].length ?? 0);
    const tail = TAIL.exec(right.slice(cut));
    if (!tail || tail.index !== 0) return undefined;
    const selector = parseSelector(right.slice(0, cut));
    const factor = tail[1] === undefined ? 1 : Number(tail[1]);
    if (!selector || !Number.isFinite(factor) || factor <= 0) return undefined;
    out.push({ k6Name, selector, endpoint: tail[2]?.toLowerCase() ?? DEFAULT_ENDPOINT, factor });
  }
  return out.length > 0 ? out : undefined;
}

/** PROBE_URLS: comma-separated `name=url`, e.g. `service=http://127.0.0.1:8080/metrics,redis=http://127.0.0.1:9121/metrics`. */
export function parseProbeUrls(text: string): Record<string, string> | undefined {
  const out: Record<string, string> = {};
  for (const part of text
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean)) {
    const eq = part.indexOf('=');
    const name = part.slice(0, eq).trim().toLowerCase();
    const url = part.slice(eq + 1).trim();
    if (eq <= 0 || !ENDPOINT_NAME.test(name) || !/^https?:\/\/[^/?#\s]+\S*$/i.test(url) || out[name] !== undefined) return undefined;
    out[name] = url;
  }
  return out;
}

/** The endpoints a run scrapes: PROBE_URLS, with `service` from PROBE_URL (or BASE_URL + /metrics) unless PROBE_URLS names it. */
export function probeEndpoints(baseUrl: string, probeUrl: string, probeUrls: Readonly<Record<string, string>>): Record<string, string> {
  return { [DEFAULT_ENDPOINT]: probeUrl || `${baseUrl}/metrics`, ...probeUrls };
}

/** The values of one scrape of every endpoint, by k6 name: the sum of each name's mappings times their factors. */
export function probeValues(
  mappings: readonly ProbeMapping[],
  expositions: Readonly<Record<string, string | undefined>>,
): Record<string, number> {
  const sums = new Map<string, number | undefined | null>();
  for (const m of mappings) {
    const text = expositions[m.endpoint];
    // null: an endpoint this name reads did not answer, so any sum of it would be short.
    if (text === undefined || sums.get(m.k6Name) === null) {
      sums.set(m.k6Name, null);
      continue;
    }
    const v = sampleSum(text, m.selector);
    if (v === undefined) continue;
    sums.set(m.k6Name, (sums.get(m.k6Name) ?? 0) + v * m.factor);
  }
  const out: Record<string, number> = {};
  for (const [name, v] of sums) if (typeof v === 'number') out[name] = v;
  return out;
}
