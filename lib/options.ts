// Typed scenario knobs from `-e KEY=value`: each knob parses and validates its string once at
// init; every bad value is reported together, naming the key, the value and what is allowed.
import { fail } from './fail.ts';

export interface Knob<T> {
  /** What is allowed, as told to the user: "an integer from 1 to 100000". */
  readonly allowed: string;
  /** The value, or undefined when `raw` is not allowed. */
  parse(raw: string): T | undefined;
}

export interface Stage {
  duration: string;
  target: number;
}

const DURATION = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/;
const UNIT_SECONDS: Record<string, number> = { ms: 0.001, s: 1, m: 60, h: 3600 };

/** Seconds in a k6 duration string ("500ms", "30s", "2m"), or undefined. */
export function durationSeconds(text: string): number | undefined {
  const m = DURATION.exec(text.trim());
  return m ? Number(m[1]) * UNIT_SECONDS[m[2]!]! : undefined;
}

export function int(min: number, max: number): Knob<number> {
  return {
    allowed: `an integer from ${min} to ${max}`,
    parse: (raw) => {
      if (!/^-?\d+$/.test(raw.trim())) return undefined;
      const n = Number(raw);
      return n >= min && n <= max ? n : undefined;
    },
  };
}

export function num(min: number, max: number): Knob<number> {
  return {
    allowed: `a number from ${min} to ${max}`,
    parse: (raw) => {
      if (!/^-?\d+(\.\d+)?$/.test(raw.trim())) return undefined;
      const n = Number(raw);
      return n >= min && n <= max ? n : undefined;
    },
  };
}

/** A k6 duration ("500ms", "30s", "2m"), kept as text for k6 options, bounded in seconds. */
export function duration(minSeconds: number, maxSeconds: number): Knob<string> {
  return {
    allowed: `a duration like 500ms, 30s or 2m, from ${minSeconds}s to ${maxSeconds}s`,
    parse: (raw) => {
      const s = durationSeconds(raw);
      return s !== undefined && s >= minSeconds && s <= maxSeconds ? raw.trim() : undefined;
    },
  };
}

export function oneOf<const T extends string>(...values: T[]): Knob<T> {
  return {
    allowed: `one of ${values.join(', ')}`,
    parse: (raw) => ((values as string[]).includes(raw.trim()) ? (raw.trim() as T) : undefined),
  };
}

export function bool(): Knob<boolean> {
  return {
    allowed: 'true or false',
    parse: (raw) => (({ true: true, false: false }) as Record<string, boolean>)[raw.trim().toLowerCase()],
  };
}

export function text(pattern: RegExp, allowed: string): Knob<string> {
  return { allowed, parse: (raw) => (pattern.test(raw) ? raw : undefined) };
}

/** A URL path on the target, e.g. /api/work. */
export function httpPath(example: string): Knob<string> {
  return text(/^\/\S*$/, `a path starting with /, e.g. ${example}`);
}

/** An HTTP header name, e.g. X-User-Id. */
export function headerName(): Knob<string> {
  return text(/^[A-Za-z0-9-]+$/, 'an HTTP header name like X-User-Id');
}

/** The non-empty items of "a, b,,c". */
const commaList = (raw: string) =>
  raw
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');

/** A non-empty comma-separated list of `item`s, each parsed by it: "least_conn,hash". */
export function list<T>(item: Knob<T>): Knob<T[]> {
  return {
    allowed: `a comma-separated list, each ${item.allowed}`,
    parse: (raw) => {
      const items = commaList(raw).map((i) => item.parse(i));
      return items.length > 0 && items.every((i) => i !== undefined) ? (items as T[]) : undefined;
    },
  };
}

/** A comma-separated list of host names (empty allowed). */
export function hostList(): Knob<string[]> {
  const HOST = /^(\*\.)?[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$|^\[[0-9a-f:.]+\]$/i;
  return {
    allowed: 'a comma-separated list of host names, e.g. api.example.com,*.staging.example.com',
    parse: (raw) => {
      const hosts = commaList(raw.toLowerCase());
      return hosts.every((h) => HOST.test(h)) ? hosts : undefined;
    },
  };
}

/** A comma-separated list of k6 metric names, without tag filters (empty allowed). */
export function metricList(): Knob<string[]> {
  return {
    allowed: 'a comma-separated list of metric names, e.g. target_breaker_state,target_pool_waiting',
    parse: (raw) => {
      const names = commaList(raw);
      return names.every((m) => /^[A-Za-z_][A-Za-z0-9_]{0,127}$/.test(m)) ? names : undefined;
    },
  };
}

/** An http(s) URL with a host, without a trailing slash (WebSocket scenarios derive ws(s):// from it). */
export function url(): Knob<string> {
  return {
    allowed: 'an absolute http:// or https:// URL, e.g. http://127.0.0.1:8081',
    parse: (raw) => (/^https?:\/\/[^/?#\s]+(\/[^\s?#]*)?$/i.test(raw.trim()) ? raw.trim().replace(/\/+$/, '') : undefined),
  };
}

/**
 * k6 stages as `duration:target` pairs, comma-separated: "10s:100,30s:100,5s:0" ramps to 100
 * VUs in 10 s, holds 30 s, ramps down in 5 s.
 */
export function stages(maxTarget: number, maxTotalSeconds: number): Knob<Stage[]> {
  return {
    allowed: `comma-separated duration:target pairs like 10s:100,30s:100,5s:0 (targets 0 to ${maxTarget}, ${maxTotalSeconds}s in all at most)`,
    parse: (raw) => {
      const out: Stage[] = [];
      let total = 0;
      for (const part of raw.split(',')) {
        const m = /^\s*([^:\s]+)\s*:\s*(\d+)\s*$/.exec(part);
        const seconds = m ? durationSeconds(m[1]!) : undefined;
        if (!m || seconds === undefined) return undefined;
        const target = Number(m[2]);
        if (target > maxTarget) return undefined;
        total += seconds;
        out.push({ duration: m[1]!, target });
      }
      return out.length > 0 && total > 0 && total <= maxTotalSeconds ? out : undefined;
    },
  };
}

export type KnobSpec = Record<string, Knob<unknown>>;
export type KnobValues<S extends KnobSpec> = { [K in keyof S]: S[K] extends Knob<infer T> ? T : never };

/**
 * k6 hands scripts the shell's environment too, so a knob named like a common shell variable
 * would silently take its value (a PATH knob once read "/usr/local/bin:...").
 */
const SHELL_VARIABLES = ['PATH', 'HOME', 'USER', 'PWD', 'SHELL', 'TERM', 'LANG', 'TMPDIR', 'HOSTNAME', 'LOGNAME', 'OLDPWD'];

/**
 * Reads every knob of `spec` from `env`, falling back to `defaults` (which go through the same
 * parser, so a bad default is caught too). Fails with every problem listed at once.
 */
export function readKnobs<S extends KnobSpec>(
  spec: S,
  defaults: Readonly<Record<string, string | number | boolean>>,
  env: Record<string, string | undefined>,
  context: string,
): KnobValues<S> {
  const out: Record<string, unknown> = {};
  const problems: string[] = [];
  const clash = Object.keys(spec).filter((k) => SHELL_VARIABLES.includes(k));
  if (clash.length > 0) throw new Error(`knob names ${clash.join(', ')} clash with shell variables k6 passes to scripts: rename them`);
  for (const [key, knob] of Object.entries(spec)) {
    const given = env[key];
    const fallback = defaults[key];
    if (given === undefined && fallback === undefined) {
      problems.push(`${key} has no default for ${context} and was not given: pass -e ${key}=<${knob.allowed}>`);
      continue;
    }
    const raw = given ?? String(fallback);
    const value = knob.parse(raw);
    if (value === undefined) {
      problems.push(
        given === undefined
          ? `the default ${key}=${JSON.stringify(raw)} for ${context} is not ${knob.allowed}`
          : `-e ${key}=${JSON.stringify(raw)} is not allowed: expected ${knob.allowed}`,
      );
    } else out[key] = value;
  }
  // A lowercase or misspelt key would silently fall back to its default: say so instead.
  for (const key of Object.keys(env)) {
    const known = Object.keys(spec).find((k) => k !== key && k.toLowerCase() === key.toLowerCase());
    if (known) problems.push(`-e ${key} is not a knob; did you mean ${known}?`);
  }
  if (problems.length > 0) fail(`invalid options:\n  - ${problems.join('\n  - ')}`);
  return out as KnobValues<S>;
}
