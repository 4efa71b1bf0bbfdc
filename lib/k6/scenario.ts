// The one entry point of a scenario file: reads the profile, the common options and the
// scenario's own knobs from -e, refuses non-loopback targets unless allowed, loads the
// scenario's thresholds, and hands back the k6 options, setup() and handleSummary().
import http from 'k6/http';
import exec from 'k6/execution';
import type { Options } from 'k6/options';
import { fail, PREFIX } from '../fail.ts';
import { FAILURE_MODES } from '../failure-modes.ts';
import { bool, hostList, httpPath, oneOf, readKnobs, text, url, type Defaults, type KnobSpec, type KnobValues } from '../options.ts';
import { PROFILES, profileDefaults, scenarioEntry, type Profile } from '../profiles.ts';
import { REFERENCE_TARGETS, referenceUrl, type TargetName } from '../reference-targets.ts';
import { assertSafeTargets, nonLoopbackCidrs } from '../safety.ts';
import { reportOnlyKey, summaryOutputs, visibilityExpression, type Comparison, type Figure, type SummaryData } from '../summary.ts';
import { parseThresholds, parseExpression, type Thresholds } from '../thresholds.ts';

// k6 resolves it against the script it runs, dist/<name>.js or scenarios/<name>.ts from source
// (checked with `k6 inspect` on both): either is one level below the root. open() makes k6
// archive include it.
const DEFAULT_THRESHOLDS_FILE = '../thresholds.json';
// count tells a trend with no samples (all zeros) from one whose values are zero.
const DEFAULT_TREND_STATS = ['avg', 'min', 'med', 'max', 'p(90)', 'p(95)', 'p(99)', 'count'];

function commonKnobs(target: TargetName) {
  return {
    spec: {
      BASE_URL: url(),
      HEALTH_PATH: httpPath('/healthz'),
      ALLOWED_HOSTS: hostList(),
      RESULTS_DIR: text(/^\S+$/, 'a directory path (relative to where k6 runs) with no spaces'),
      THRESHOLDS_FILE: text(/^\S*$/, 'a path to a thresholds JSON file with no spaces'),
      SKIP_PREFLIGHT: bool(),
    },
    defaults: {
      BASE_URL: referenceUrl(target),
      HEALTH_PATH: REFERENCE_TARGETS[target].healthPath,
      ALLOWED_HOSTS: '',
      RESULTS_DIR: 'results',
      THRESHOLDS_FILE: '',
      SKIP_PREFLIGHT: false,
    },
  };
}

function readThresholdsFile(given: string, scenario: string): Thresholds {
  // k6 resolves open() against the script's folder; a user typing a relative -e path means
  // their working directory, which k6 passes on as PWD.
  const path = given === '' ? DEFAULT_THRESHOLDS_FILE : given.startsWith('/') || !__ENV.PWD ? given : `${__ENV.PWD}/${given}`;
  const shown = given === '' ? 'thresholds.json' : given;
  let content: string;
  try {
    content = open(path);
  } catch (err) {
    return fail(`cannot read the thresholds file ${shown}: ${String(err).replace(/^GoError: /, '')}`);
  }
  return parseThresholds(content, shown, scenario);
}

/** `name` is the scenario's entry in lib/profiles.ts; `knobs` its own -e options. */
export function defineScenario<S extends KnobSpec>(name: string, def: { knobs: S }) {
  const env = __ENV as Record<string, string | undefined>;
  const { target } = scenarioEntry(name);
  const { PROFILE } = readKnobs({ PROFILE: oneOf(...PROFILES) }, { PROFILE: 'full' }, env, 'every scenario');
  const profile: Profile = PROFILE;
  const common = commonKnobs(target);
  const spec = { ...common.spec, ...def.knobs };
  const defaults = { ...common.defaults, ...profileDefaults(name, profile) } as Partial<Defaults<typeof spec>>;
  // One read of both sets, so every bad value is reported at once; typed back apart below.
  const values = readKnobs(spec, defaults, env, `scenario ${name}, profile ${profile}`);
  const all = values as unknown as KnobValues<typeof common.spec>;
  const own = values as unknown as KnobValues<S>;
  assertSafeTargets({ BASE_URL: all.BASE_URL }, all.ALLOWED_HOSTS);
  const thresholds = readThresholdsFile(all.THRESHOLDS_FILE, name);
  const reportOnly = new Set<string>();
  const comparisons: Comparison[] = [];
  const figures: Figure[] = [];

  /** Makes k6 keep `metric` (a tagged sub-metric) in the summary data without gating on it. */
  function reportOn(thresholdsOut: Thresholds, metric: string, stat: string): void {
    if (thresholdsOut[metric]) return; // a real threshold already makes it visible
    const expr = visibilityExpression(stat);
    thresholdsOut[metric] = [expr];
    reportOnly.add(reportOnlyKey(metric, expr));
  }

  return {
    name,
    profile,
    knobs: own,
    baseUrl: all.BASE_URL,

    /**
     * The k6 options: the scenario's own (executors, stages) plus the thresholds from the
     * thresholds file, the trend stats they need, and the loopback-only address block.
     * `comparisons` become side-by-side tables in the summary, `figures` lines under Figures.
     */
    options(own: Options, extra: { comparisons?: Comparison[]; figures?: Figure[] } = {}): Options {
      const merged: Thresholds = { ...thresholds };
      figures.push(...(extra.figures ?? []));
      for (const mode of FAILURE_MODES) reportOn(merged, `failed_requests{failure_mode:${mode}}`, 'count');
      for (const c of extra.comparisons ?? []) {
        comparisons.push(c);
        for (const col of Object.keys(c.columns)) for (const row of c.rows) reportOn(merged, `${row.metric}{${c.tag}:${col}}`, row.stat);
      }
      const percentiles = Object.values(merged)
        .flat()
        .map((rule) => parseExpression(typeof rule === 'string' ? rule : rule.threshold)?.stat ?? '')
        .filter((stat) => stat.startsWith('p('));
      return {
        ...own,
        thresholds: merged,
        summaryTrendStats: [...new Set([...DEFAULT_TREND_STATS, ...percentiles])],
        // Without an allowlist, k6 itself refuses any non-loopback address (redirects included).
        ...(all.ALLOWED_HOSTS.length === 0 ? { blacklistIPs: nonLoopbackCidrs() } : {}),
      };
    },

    /** setup(): refuses to start the load against a target that does not answer at all. */
    setup(): void {
      if (all.SKIP_PREFLIGHT) return;
      const res = http.get(`${all.BASE_URL}${all.HEALTH_PATH}`, { timeout: '5s', tags: { name: 'preflight' } });
      if (res.status !== 0) return; // any HTTP answer, even 404, means something is listening
      const hint =
        all.BASE_URL === referenceUrl(target)
          ? `start the reference target first (npm run targets -- ${target}), or point the scenario at your service with -e BASE_URL=...`
          : `check -e BASE_URL=${all.BASE_URL} (and -e HEALTH_PATH if your service has no ${all.HEALTH_PATH})`;
      exec.test.abort(`${PREFIX} target ${all.BASE_URL} is unreachable (${res.error}); ${hint}`);
    },

    handleSummary(data: SummaryData): Record<string, string> {
      return summaryOutputs(
        data,
        { scenario: name, profile, baseUrl: all.BASE_URL, resultsDir: all.RESULTS_DIR, reportOnly, comparisons, figures },
        new Date(),
      );
    },
  };
}
