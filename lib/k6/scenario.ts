// The one entry point of a scenario file: reads the profile, the common options and the
// scenario's own knobs from -e, refuses non-loopback targets unless allowed, loads the
// scenario's thresholds, and hands back the k6 options, setup() and handleSummary().
import http from 'k6/http';
import exec from 'k6/execution';
import type { Options } from 'k6/options';
import { fail, PREFIX } from '../fail.ts';
import { FAILURE_MODES } from '../failure-modes.ts';
import { readKnobs, type KnobValues } from '../options.ts';
import { commonKnobs, PROFILE_KNOB } from '../catalog/common.ts';
import { defaultsFor, type KnobDecls, type ScenarioDecl } from '../catalog/knob.ts';
import { referenceUrl } from '../reference-targets.ts';
import { assertSafeTargets, nonLoopbackCidrs } from '../safety.ts';
import { checkResultsDir, type ResultsDirCheck } from '../results-dir.ts';
import { provenanceOf } from '../provenance.ts';
import {
  reportOnlyKey,
  summaryOutputs,
  visibilityExpression,
  type Comparison,
  type Figure,
  type Findings,
  type NotGated,
  type SummaryData,
} from '../summary.ts';
import { expressionOf, parseThresholds, parseExpression, type Thresholds } from '../thresholds.ts';
import { expandPlaceholder, measurableMetrics, requireSamples, splitKey, withTag } from '../samples.ts';
import type { ProbeReport } from './probe.ts';

// k6 resolves it against the script it runs, dist/<name>.js or scenarios/<name>.ts from source
// (checked with `k6 inspect` on both): either is one level below the root. open() makes k6
// archive include it.
const DEFAULT_THRESHOLDS_FILE = '../thresholds.json';
// count tells a trend with no samples (all zeros) from one whose values are zero.
const DEFAULT_TREND_STATS = ['avg', 'min', 'med', 'max', 'p(90)', 'p(95)', 'p(99)', 'count'];

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

/**
 * Stops the test before any load when RESULTS_DIR is not a directory k6 can write into: k6 would
 * run the whole test and then lose the JSON and JUnit with one log line and its usual exit code.
 * Checked in the first init only (__VU 0: the one that plans the run, and the one that runs
 * handleSummary), not once per VU.
 */
function resultsDirOrStop(given: string): ResultsDirCheck {
  if (__VU !== 0) return { state: 'unknown', path: given };
  const env = __ENV as Record<string, string | undefined>;
  const check = checkResultsDir(given, env.PWD, (path) => open(path));
  if (check.state === 'refused') {
    fail(
      `-e RESULTS_DIR=${given}: ${check.path}: ${check.why}. k6 writes the JSON and JUnit summaries there after the run and ` +
        `cannot create a directory, so the run stops here, before any load: create it (mkdir -p ${given}) or name one that exists ` +
        '(npm run k6, fanout and demo create it for you)',
    );
  }
  return check;
}

/** `decl` is the scenario's entry in lib/catalog/: its target and its own knobs with their defaults. */
export function defineScenario<S extends KnobDecls>(decl: ScenarioDecl<S>) {
  const { name, target } = decl;
  const env = __ENV as Record<string, string | undefined>;
  // The profile first, on its own: it picks every other default.
  const { PROFILE: profile } = readKnobs({ PROFILE: PROFILE_KNOB }, defaultsFor({ PROFILE: PROFILE_KNOB }, 'full'), env, 'every scenario');
  const common = commonKnobs(target);
  const spec = { ...common, ...decl.knobs };
  // One read of both sets, so every bad value is reported at once; typed back apart below.
  const defaults = defaultsFor(spec, profile);
  const values = readKnobs(spec, defaults, env, `scenario ${name}, profile ${profile}`);
  // Each knob as given (or its default), for the results' provenance: what a user would type.
  const givenKnobs = Object.fromEntries(Object.keys(spec).map((key) => [key, env[key] ?? String(defaults[key] ?? '')]));
  const all = values as unknown as KnobValues<typeof common>;
  const own = values as unknown as KnobValues<S>;
  assertSafeTargets({ BASE_URL: all.BASE_URL }, all.ALLOWED_HOSTS);
  const resultsDir = resultsDirOrStop(all.RESULTS_DIR);
  const thresholds = readThresholdsFile(all.THRESHOLDS_FILE, name);
  const measurable = measurableMetrics(thresholds);
  const strays = all.UNMEASURED.filter((m) => !measurable.includes(m));
  if (strays.length > 0) {
    fail(
      `-e UNMEASURED=${all.UNMEASURED.join(',')}: no gate of scenario ${name} that needs samples reads ${strays.join(', ')}; ` +
        `the ones that do: ${measurable.join(', ') || 'none'}`,
    );
  }
  const reportOnly = new Set<string>();
  const comparisons: Comparison[] = [];
  const figures: Figure[] = [];
  const notGated: NotGated[] = [];
  let unmeasuredHints: Record<string, string> = {};
  let unmapped: string[] = [];
  let findings: ((data: SummaryData) => Findings) | undefined;

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
    allowedHosts: all.ALLOWED_HOSTS,
    healthPath: all.HEALTH_PATH,
    /** The metric names the gates read (without tag filters): the probe registers the target_* ones. */
    gatedMetrics: [...new Set(Object.keys(thresholds).map((key) => splitKey(key).metric))],

    /**
     * The k6 options: the scenario's own (executors, stages) plus the thresholds from the
     * thresholds file, the trend stats they need, and the loopback-only address block.
     * `comparisons` become side-by-side tables in the summary, `figures` lines under Figures.
     * Thresholds in `own` are the scenario's rules (a stop rule, say), not gates of the file:
     * they are added as they are, with no companion for samples.
     */
    options(
      own: Options,
      extra: {
        comparisons?: Comparison[];
        figures?: Figure[];
        /** The target probe: why each target_* metric may go unsampled, and which PROBE_METRICS lacks. */
        probe?: ProbeReport;
        /** Gates this run cannot judge (e.g. no outage, so no recovery): left out and listed in the summary, each with the first reason that holds. */
        skip?: { gates: (key: string) => boolean; why: string } | { gates: (key: string) => boolean; why: string }[];
        /** A placeholder tag of the file's gates and the filters it stands for in this run (lib/samples.ts, expandPlaceholder). */
        expand?: { placeholder: string; into: string[]; whyNone: string };
        /** The scenario's conclusions from the whole run, printed after the tables and kept in the JSON. */
        findings?: (data: SummaryData) => Findings;
      } = {},
    ): Options {
      const judged: Thresholds = {};
      const placeholder = extra.expand?.placeholder;
      for (const [key, rules] of Object.entries(thresholds)) {
        if (placeholder !== undefined && extra.expand!.into.length === 0 && splitKey(key).tags.split(',').includes(placeholder)) {
          for (const rule of rules) notGated.push({ metric: key, expression: expressionOf(rule), why: extra.expand!.whyNone });
          continue;
        }
        const skipped = [extra.skip ?? []].flat().find((s) => s.gates(key));
        if (skipped) for (const rule of rules) notGated.push({ metric: key, expression: expressionOf(rule), why: skipped.why });
        else judged[key] = rules;
      }
      const expanded = extra.expand ? expandPlaceholder(judged, extra.expand.placeholder, extra.expand.into) : judged;
      // Every gate that needs samples gets a companion rule (lib/samples.ts), bar the accepted ones.
      const merged = requireSamples(expanded, all.UNMEASURED);
      for (const [key, rules] of Object.entries(own.thresholds ?? {})) merged[key] = [...(merged[key] ?? []), ...rules];
      findings = extra.findings;
      unmeasuredHints = extra.probe?.hints ?? {};
      unmapped = (extra.probe?.unmapped ?? []).filter((m) => Object.keys(judged).some((k) => splitKey(k).metric === m));
      figures.push(...(extra.figures ?? []));
      // A figure on a sub-metric (resource_exhausted_seconds{resource:cpu}) needs it kept visible.
      for (const f of extra.figures ?? []) if (f.metric.includes('{')) reportOn(merged, f.metric, f.stat);
      for (const mode of FAILURE_MODES) reportOn(merged, `failed_requests{failure_mode:${mode}}`, 'count');
      for (const c of extra.comparisons ?? []) {
        comparisons.push(c);
        for (const col of Object.keys(c.columns)) for (const row of c.rows) reportOn(merged, withTag(row.metric, c.tag, col), row.stat);
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
      // Once per run, here rather than at init (which runs once per VU).
      for (const m of unmapped.filter((u) => !all.UNMEASURED.includes(u))) {
        console.warn(`${PREFIX} ${unmeasuredHints[m]}; its gates will fail as not measured unless you accept that with -e UNMEASURED=${m}`);
      }
      if (all.SKIP_PREFLIGHT) return;
      const res = http.get(`${all.BASE_URL}${all.HEALTH_PATH}`, {
        timeout: '5s',
        tags: { name: 'preflight' },
        // Any answer will do here, so none counts in http_req_failed.
        responseCallback: http.expectedStatuses({ min: 100, max: 599 }),
      });
      if (res.status !== 0) return; // any HTTP answer, even 404, means something is listening
      const hint =
        all.BASE_URL === referenceUrl(target)
          ? `start the reference target first (npm run targets -- ${target}), or point the scenario at your service with -e BASE_URL=...`
          : `check -e BASE_URL=${all.BASE_URL} (and -e HEALTH_PATH if your service has no ${all.HEALTH_PATH})`;
      exec.test.abort(`${PREFIX} target ${all.BASE_URL} is unreachable (${res.error}); ${hint}`);
    },

    handleSummary(data: SummaryData): Record<string, string> {
      const end = new Date();
      const provenance = provenanceOf({
        build: typeof __FLOODGATE_BUILD__ === 'undefined' ? undefined : __FLOODGATE_BUILD__,
        env,
        scenario: name,
        profile,
        knobs: { PROFILE: profile, ...givenKnobs },
        testid: (exec.test.options.tags as Record<string, string> | undefined)?.testid,
        end,
        durationMs: data.state.testRunDurationMs ?? 0,
      });
      return summaryOutputs(
        data,
        {
          scenario: name,
          profile,
          baseUrl: all.BASE_URL,
          resultsDir: all.RESULTS_DIR,
          thresholdsFile: all.THRESHOLDS_FILE || 'thresholds.json',
          resultsDirKnown: resultsDir.state === 'exists',
          reportOnly,
          comparisons,
          figures,
          unmeasuredHints,
          accepted: all.UNMEASURED,
          notGated,
          findings,
          provenance,
          // k6 reads these from the environment; the verdict page links the charts k6 exports.
          dashboard: env.K6_WEB_DASHBOARD === 'true' ? env.K6_WEB_DASHBOARD_EXPORT || undefined : undefined,
        },
        end,
      );
    },
  };
}
