// breaking-point's degradation curve: p50/p95/p99 and the error rate against the load, one
// point per stage, the breaking point marked, drawn by Vega-Lite into an SVG from a results
// JSON's findings (lib/stage-report.ts). Node-side: the k6 runtime cannot run Vega, so the
// demo and `npm run curve` draw it after the run.
import { readFileSync, writeFileSync } from 'node:fs';
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';

/** The parts of a results JSON the curve reads. */
export interface CurveInput {
  scenario: string;
  profile: string;
  baseUrl: string;
  findings?: {
    data: {
      model: string;
      unit: string;
      breakingPoint: string | null;
      lastHealthy: string | null;
      stages: {
        label: string;
        load: number;
        requests: number;
        p50Ms: number | null;
        p95Ms: number | null;
        p99: number | null;
        errorRate: number;
      }[];
    };
  };
}

const LATENCY = ['p50', 'p95', 'p99'] as const;

/** The Vega-Lite spec: latency lines (log scale, left) and error-rate bars (right) by stage, in run order. */
export function curveSpec(input: CurveInput): TopLevelSpec {
  const f = input.findings?.data;
  if (!f || f.stages.length === 0)
    throw new Error(`${input.scenario} results carry no stage findings: only breaking-point runs draw a curve`);
  const order = f.stages.map((s) => s.label);
  const ran = f.stages.filter((s) => s.requests > 0);
  const latency = ran.flatMap((s) =>
    LATENCY.map((series, i) => ({ stage: s.label, series, ms: [s.p50Ms, s.p95Ms, s.p99][i] })).filter((p) => p.ms !== null && p.ms > 0),
  );
  const errors = ran.map((s) => ({ stage: s.label, errors: s.errorRate }));
  const x = { field: 'stage', type: 'ordinal' as const, sort: order, title: `stage: load in ${f.unit}`, axis: { labelAngle: 0 } };
  const marks: { stage: string; what: string }[] = [];
  if (f.breakingPoint) marks.push({ stage: f.breakingPoint, what: 'breaking point' });
  if (f.lastHealthy) marks.push({ stage: f.lastHealthy, what: 'last healthy' });
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: {
      text: `${input.scenario}: degradation curve (${f.model} model)`,
      subtitle: `${input.baseUrl} · profile ${input.profile}${f.breakingPoint ? '' : ` · no breaking point up to ${order[order.length - 1]} ${f.unit}`}`,
    },
    width: 640,
    height: 320,
    // Every stage on the axis, the ones that never ran (a stopped run) included: sort fixes the domain.
    encoding: { x: { ...x, scale: { domain: order } } },
    layer: [
      {
        data: { values: errors },
        mark: { type: 'bar', color: '#e45756', opacity: 0.35, size: 28 },
        encoding: {
          y: {
            field: 'errors',
            type: 'quantitative',
            title: 'error rate',
            axis: { format: '.0%', orient: 'right', grid: false },
            scale: { domain: [0, 1] },
          },
        },
      },
      {
        data: { values: latency },
        mark: { type: 'line', point: true },
        encoding: {
          y: { field: 'ms', type: 'quantitative', title: 'latency (ms, log scale)', scale: { type: 'log' } },
          color: {
            field: 'series',
            type: 'nominal',
            title: 'latency',
            scale: { domain: [...LATENCY], range: ['#4c78a8', '#f58518', '#54a24b'] },
          },
        },
      },
      ...(marks.length === 0
        ? []
        : [
            {
              data: { values: marks },
              layer: [
                { mark: { type: 'rule' as const, strokeDash: [4, 3], color: '#333' } },
                {
                  mark: { type: 'text' as const, dy: -6, align: 'left' as const, dx: 4, baseline: 'bottom' as const, y: 0 },
                  encoding: { text: { field: 'what' } },
                },
              ],
            },
          ]),
    ],
    resolve: { scale: { y: 'independent' } },
  } as TopLevelSpec;
}

/** The curve as an SVG document. */
export async function renderCurve(input: CurveInput): Promise<string> {
  const view = new vega.View(vega.parse(compile(curveSpec(input)).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/** Reads a results JSON and writes its curve beside it (<name>-curve.svg); returns the SVG's path. */
export async function writeCurve(resultsJson: string): Promise<string> {
  const input = JSON.parse(readFileSync(resultsJson, 'utf8')) as CurveInput;
  const out = resultsJson.replace(/\.json$/, '') + '-curve.svg';
  writeFileSync(out, await renderCurve(input));
  return out;
}
