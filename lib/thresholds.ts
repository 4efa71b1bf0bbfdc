// Reads a scenario's section of thresholds.json and checks it before k6 does, so a typo says
// which file, section, metric and expression are wrong instead of a k6 parse error.
import { fail } from './fail.ts';
import { parseTolerances } from './compare.ts';

export type ThresholdRule = string | { threshold: string; abortOnFail?: boolean; delayAbortEval?: string };
export type Thresholds = Record<string, ThresholdRule[]>;

/** "p(95)<100" -> { stat: "p(95)", op: "<", bound: 100 }; k6's own threshold grammar. */
export interface ParsedExpression {
  stat: string;
  op: string;
  bound: number;
}

const EXPRESSION = /^\s*(avg|min|max|med|count|rate|value|p\(\d+(?:\.\d+)?\))\s*(<=|>=|===|==|!=|<|>)\s*(-?\d+(?:\.\d+)?)\s*$/;
// metric name, optionally with a tag filter: http_req_duration{scenario:reuse,status:200}
const METRIC_KEY = /^[A-Za-z_][A-Za-z0-9_]{0,127}(\{\s*[^{}:]+:[^{}]*\})?$/;

export function parseExpression(expr: string): ParsedExpression | undefined {
  const m = EXPRESSION.exec(expr);
  return m ? { stat: m[1]!, op: m[2]!, bound: Number(m[3]) } : undefined;
}

export function expressionOf(rule: ThresholdRule): string {
  return typeof rule === 'string' ? rule : rule.threshold;
}

/** Keys starting with "$" (e.g. "$comment") are notes for people, since JSON has no comments. */
const isNote = (key: string) => key.startsWith('$');

/** The section of tolerances npm run compare reads (lib/compare.ts), beside the scenarios' gates. */
export const REGRESSION_SECTION = 'regression';

/** Whether a top-level key of a thresholds file is a scenario's section (not a note, not the tolerances). */
export const isScenarioSection = (key: string) => !isNote(key) && key !== REGRESSION_SECTION;

/**
 * The thresholds of `scenario` from the text of a thresholds file, or a failure naming the
 * file and the problem. Validates the whole file, so one edit cannot break another scenario.
 */
export function parseThresholds(text: string, file: string, scenario: string): Thresholds {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    fail(`${file} is not valid JSON: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) {
    fail(`${file} must be a JSON object with one section per scenario, e.g. {"${scenario}": {"http_req_failed": ["rate<0.01"]}}`);
  }
  const sections = Object.keys(doc).filter(isScenarioSection);
  const problems: string[] = [];
  for (const name of sections) problems.push(...sectionProblems((doc as Record<string, unknown>)[name], name));
  const tolerances = parseTolerances((doc as Record<string, unknown>)[REGRESSION_SECTION], file);
  if ('error' in tolerances) problems.push(tolerances.error as string);
  if (problems.length > 0) fail(`${file} has invalid thresholds:\n  - ${problems.join('\n  - ')}`);
  if (!sections.includes(scenario)) {
    fail(
      `${file} has no section "${scenario}" (sections: ${sections.join(', ') || 'none'}); add one, e.g. "${scenario}": {"http_req_failed": ["rate<0.01"]}`,
    );
  }
  const section = (doc as Record<string, Record<string, ThresholdRule[]>>)[scenario]!;
  const out: Thresholds = {};
  for (const [metric, rules] of Object.entries(section)) if (!isNote(metric)) out[metric] = rules;
  if (Object.keys(out).length === 0) fail(`${file}: section "${scenario}" has no thresholds; a scenario that cannot fail gates nothing`);
  return out;
}

function sectionProblems(section: unknown, name: string): string[] {
  if (typeof section !== 'object' || section === null || Array.isArray(section)) {
    return [`section "${name}" must be an object of metric -> list of expressions`];
  }
  const problems: string[] = [];
  for (const [metric, rules] of Object.entries(section)) {
    if (isNote(metric)) continue;
    const where = `"${name}" -> "${metric}"`;
    if (!METRIC_KEY.test(metric)) problems.push(`${where}: not a metric name (letters, digits, _; optional {tag:value} filter)`);
    if (!Array.isArray(rules) || rules.length === 0) {
      problems.push(`${where}: expected a non-empty list of expressions like ["p(95)<100"]`);
      continue;
    }
    for (const rule of rules as unknown[]) {
      const expr =
        typeof rule === 'string'
          ? rule
          : typeof rule === 'object' && rule !== null
            ? (rule as { threshold?: unknown }).threshold
            : undefined;
      if (typeof expr !== 'string' || parseExpression(expr) === undefined) {
        problems.push(
          `${where}: ${JSON.stringify(rule)} is not a threshold: expected "<stat> <op> <number>" with stat one of avg, min, max, med, count, rate, value, p(N) and op one of <, <=, >, >=, ==, !=`,
        );
      }
    }
  }
  return problems;
}
