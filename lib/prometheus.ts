// Reads values out of a Prometheus text exposition: the sum of a metric's samples whose labels
// include a selector, e.g. `http_inflight_requests` or `rejections_total{reason="user_limit"}`.
// Pure: unit-tested in Node.

export interface Selector {
  name: string;
  labels: Record<string, string>;
}

const SELECTOR = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?$/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)\s*=\s*"((?:[^"\\]|\\.)*)"/g;

function labelsOf(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of text.matchAll(LABEL)) out[m[1]!] = m[2]!.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
  return out;
}

/** `name` or `name{label="value",...}`; undefined if it is neither. */
export function parseSelector(text: string): Selector | undefined {
  const m = SELECTOR.exec(text.trim());
  if (!m) return undefined;
  const inner = m[2] ?? '';
  if (inner !== '' && inner.replace(LABEL, '').replace(/[\s,]/g, '') !== '') return undefined;
  return { name: m[1]!, labels: labelsOf(inner) };
}

/** The sum of the matching samples, or undefined when the exposition has none. */
export function sampleSum(exposition: string, sel: Selector): number | undefined {
  let sum: number | undefined;
  for (const line of exposition.split('\n')) {
    if (line === '' || line.startsWith('#') || !line.startsWith(sel.name)) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})?\s+(\S+)/.exec(line);
    if (!m || m[1] !== sel.name) continue;
    const have = labelsOf(m[2] ?? '');
    if (!Object.entries(sel.labels).every(([k, v]) => have[k] === v)) continue;
    const value = Number(m[3]);
    if (!Number.isNaN(value)) sum = (sum ?? 0) + value;
  }
  return sum;
}

export interface ProbeMapping {
  /** The k6 metric it becomes, e.g. target_inflight. */
  k6Name: string;
  selector: Selector;
}

/**
 * PROBE_METRICS: comma-separated `k6_name=prometheus_selector` pairs, e.g.
 * `target_inflight=http_inflight_requests,target_goroutines=go_goroutines`. Commas inside a
 * selector's braces are part of it.
 */
export function parseProbeMetrics(text: string): ProbeMapping[] | undefined {
  const parts: string[] = [];
  let depth = 0;
  let current = '';
  for (const ch of text) {
    if (ch === '{') depth++;
    if (ch === '}') depth--;
    if (ch === ',' && depth === 0) {
      parts.push(current);
      current = '';
    } else current += ch;
  }
  parts.push(current);
  const out: ProbeMapping[] = [];
  for (const part of parts.map((p) => p.trim()).filter((p) => p !== '')) {
    const eq = part.indexOf('=');
    const k6Name = part.slice(0, eq).trim();
    const selector = eq > 0 ? parseSelector(part.slice(eq + 1)) : undefined;
    if (!selector || !/^[A-Za-z_][A-Za-z0-9_]{1,127}$/.test(k6Name)) return undefined;
    out.push({ k6Name, selector });
  }
  return out.length > 0 ? out : undefined;
}
