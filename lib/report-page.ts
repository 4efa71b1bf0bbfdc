// The verdict page: what k6's HTML report (the web dashboard export) leaves out, k6 issue 3865.
// One self-contained HTML file per run, beside its JSON and JUnit: the verdict, each gate with its
// bound, observed value and pass or fail, the gates not judged and why, the scenario's figures and
// findings, the requests and failure modes, and the provenance; and a link to k6's charts when the
// run exported them. A comparison (npm run compare) gets the same kind of page, baseline beside
// current. Pure and runtime-neutral: handleSummary renders it in k6, compare in Node.
import type { Comparison, CompareRow } from './compare.ts';
import type { Provenance } from './provenance.ts';
import { formatValue, observedText, xml as esc, type Report, type ThresholdResult, type Unit } from './summary.ts';

// No script, no font, no image: nothing the page asks for leaves the file.
const STYLE = `
body { font: 14px/1.45 system-ui, sans-serif; margin: 24px; color: #1d232a; max-width: 1100px; }
h1 { font-size: 20px; margin: 0 0 4px; } h2 { font-size: 16px; margin: 24px 0 8px; }
.meta { color: #5b6670; } .verdict { font-size: 18px; font-weight: 600; padding: 10px 14px; border-radius: 6px; margin: 16px 0; }
.verdict.pass { background: #e3f5e8; color: #14632d; } .verdict.fail { background: #fde7e7; color: #8e1b1b; }
table { border-collapse: collapse; width: 100%; } th, td { text-align: left; padding: 4px 8px; border-bottom: 1px solid #e3e6e9; vertical-align: top; }
th { color: #5b6670; font-weight: 500; } td.num { font-variant-numeric: tabular-nums; }
tr.fail td.result, tr.regressed td.result { color: #b42318; font-weight: 600; } tr.pass td.result, tr.improved td.result { color: #14632d; }
code { font-size: 13px; }`;

function page(title: string, body: string[]): string {
  return [
    '<!doctype html>',
    '<html lang="en"><head><meta charset="utf-8">',
    `<title>${esc(title)}</title>`,
    `<style>${STYLE}</style>`,
    '</head><body>',
    ...body,
    '</body></html>',
    '',
  ].join('\n');
}

const table = (head: string[], rows: string[]) =>
  `<table><thead><tr>${head.map((h) => `<th>${esc(h)}</th>`).join('')}</tr></thead><tbody>\n${rows.join('\n')}\n</tbody></table>`;

function gateRow(t: ThresholdResult): string {
  const state = t.ok ? 'pass' : 'fail';
  return (
    `<tr class="gate ${state}" data-metric="${esc(t.metric)}"><td><code>${esc(t.metric)}</code></td>` +
    `<td><code>${esc(t.expression)}</code></td><td class="num">${esc(observedText(t))}</td>` +
    `<td class="result">${t.ok ? 'met' : t.notMeasured !== undefined ? 'FAILED (no samples)' : 'CROSSED'}</td></tr>`
  );
}

function provenanceRows(p: Provenance | undefined): string[] {
  if (!p) return ['<tr><td colspan="2">not recorded (a results file from before provenance)</td></tr>'];
  const cores = p.machine.cores;
  const memory = p.machine.memoryBytes;
  const facts: [string, string][] = [
    ['commit', `${p.commit}${p.dirty === true ? ' (with uncommitted changes)' : p.dirty === false ? '' : ' (changes unknown)'}`],
    ['k6', p.k6],
    ['machine', `${cores} cores, ${typeof memory === 'number' ? formatValue(memory, 'bytes') : memory} memory, kernel ${p.machine.kernel}`],
    ['testid', p.testid],
    ['started', p.startedAt],
    ['ended', p.endedAt],
    [
      'knobs',
      Object.entries(p.knobs)
        .map(([k, v]) => `${k}=${v}`)
        .join(' '),
    ],
  ];
  return facts.map(([k, v]) => `<tr class="fact"><th>${esc(k)}</th><td><code>${esc(v)}</code></td></tr>`);
}

/** A run's verdict page; `dashboard` is k6's exported report, linked as given (a path beside the page). */
export function renderReportPage(r: Report, dashboard?: string): string {
  const crossed = r.thresholds.filter((t) => !t.ok).length;
  const verdict =
    r.verdict === 'pass'
      ? `PASSED: all ${r.thresholds.length} thresholds met`
      : `FAILED: ${crossed} of ${r.thresholds.length} thresholds crossed (k6 exits 99)`;
  const body = [
    `<h1>floodgate · ${esc(r.scenario)}</h1>`,
    `<div class="meta">profile ${esc(r.profile)} · ${r.durationSeconds.toFixed(1)} s · ${esc(r.baseUrl)} · thresholds from ${esc(r.thresholdsFile ?? 'thresholds.json')}</div>`,
    `<div class="verdict ${r.verdict}" data-verdict="${r.verdict}">${esc(verdict)}</div>`,
    ...(dashboard ? [`<p>k6's charts of this run: <a class="dashboard" href="${esc(dashboard)}">${esc(dashboard)}</a></p>`] : []),
    '<h2>Thresholds</h2>',
    table(['metric', 'bound', 'observed', 'result'], r.thresholds.map(gateRow)),
  ];
  if (r.notGated.length > 0) {
    body.push('<h2>Not gated in this run</h2>');
    body.push(
      table(
        ['metric', 'bound', 'why'],
        r.notGated.map(
          (g) =>
            `<tr class="not-gated"><td><code>${esc(g.metric)}</code></td><td><code>${esc(g.expression)}</code></td><td>${esc(g.why)}</td></tr>`,
        ),
      ),
    );
  }
  if (r.findings) {
    body.push(`<h2 class="findings">${esc(r.findings.title)}</h2>`);
    body.push(
      table(
        ['', ''],
        r.findings.lines.map((l) => `<tr class="finding"><th>${esc(l.label)}</th><td>${esc(l.text)}</td></tr>`),
      ),
    );
  }
  if (r.figures.length > 0) {
    body.push('<h2>Figures</h2>');
    body.push(
      table(
        ['', ''],
        r.figures.map((f) => `<tr class="figure"><th>${esc(f.label)}</th><td class="num">${esc(formatValue(f.value, f.unit))}</td></tr>`),
      ),
    );
  }
  for (const c of r.comparisons) {
    body.push(`<h2>${esc(c.title)}</h2>`);
    body.push(
      table(
        ['', ...c.columns],
        c.rows.map(
          (row) =>
            `<tr><th>${esc(row.label)}</th>${row.values.map((v) => `<td class="num">${esc(formatValue(v, row.unit))}</td>`).join('')}</tr>`,
        ),
      ),
    );
  }
  const modes = Object.entries(r.failureModes).filter(([, n]) => n > 0);
  body.push('<h2>Requests</h2>');
  body.push(
    `<p>${r.requests.count} requests (${r.requests.perSecond.toFixed(1)}/s); failure modes: ${
      modes.length === 0 ? 'none' : modes.map(([m, n]) => `${esc(m)} ${n}`).join(', ')
    }</p>`,
  );
  body.push('<h2>Provenance</h2>');
  body.push(`<table class="provenance">${provenanceRows(r.provenance).join('\n')}</table>`);
  return page(`floodgate ${r.scenario}: ${r.verdict === 'pass' ? 'PASSED' : 'FAILED'}`, body);
}

const show = (v: number | null, unit: string) => formatValue(v, unit as Unit);

/** A comparison row's values as shown, in the terminal's table, its JUnit and its page alike. */
export function compareCells(r: CompareRow): { baseline: string; current: string; change: string; noise: string } {
  return {
    baseline: show(r.baselineValue, r.unit),
    current: show(r.currentValue, r.unit),
    change: r.change === null ? '' : `${r.change > 0 ? '+' : ''}${show(r.change, r.unit)}`,
    noise: r.change === null ? '' : `±${show(r.noise, r.unit)} (${r.noiseFrom})`,
  };
}

function compareRow(r: CompareRow): string {
  const c = compareCells(r);
  return (
    `<tr class="row ${r.verdict === 'regressed' ? 'regressed' : r.verdict === 'improved' ? 'improved' : 'same'}" data-name="${esc(r.name)}">` +
    `<td><code>${esc(r.name)}</code></td><td class="num baseline">${esc(c.baseline)}</td>` +
    `<td class="num current">${esc(c.current)}</td><td class="num">${esc(c.change)}</td>` +
    `<td class="num">${esc(c.noise)}</td><td class="result">${esc(r.verdict)}</td></tr>`
  );
}

/** A comparison's page: each row's baseline beside its current, the change, the noise and the verdict. */
export function renderComparisonPage(c: Comparison, sides: { baseline: string; current: string }): string {
  const regressed = c.regressed.length > 0;
  const verdict = regressed ? `REGRESSED: ${c.regressed.join('; ')} (exit 99)` : 'NO REGRESSION: nothing worse than the noise';
  const body = [
    `<h1>floodgate compare · ${esc(c.scenario)}</h1>`,
    `<div class="meta">profile ${esc(c.profile)} · baseline ${c.baselineRuns} run(s): ${esc(sides.baseline)} · current ${c.currentRuns} run(s): ${esc(sides.current)}</div>`,
    `<div class="verdict ${regressed ? 'fail' : 'pass'}" data-verdict="${regressed ? 'regressed' : 'pass'}">${esc(verdict)}</div>`,
    ...(c.differs.length > 0 ? [`<p>Knobs that differ (compared as asked): ${esc(c.differs.join(', '))}</p>`] : []),
    table(['what', 'baseline', 'current', 'change', 'noise', 'verdict'], c.rows.map(compareRow)),
  ];
  return page(`floodgate compare ${c.scenario}: ${regressed ? 'REGRESSED' : 'no regression'}`, body);
}
