// The README's first command: `npm run demo` starts the target, runs the scenario, prints the
// summary, writes the JSON/JUnit files and the HTML report, stops the target, exits with k6's code.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { gunzipSync, gzipSync } from 'node:zlib';
import { join } from 'node:path';
import { repoRoot } from '../helpers/k6.ts';
import { pathToFileURL } from 'node:url';
import { checkCurve, checkReport, checkVerdictPage } from '../../harness/report-check.ts';
import type { Report } from '../../lib/summary.ts';

test('npm run demo runs the echo scenario end to end and leaves a summary and an HTML report', async (t) => {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/demo.ts', 'echo', '-e', 'STAGES=4s:3'], {
    cwd: repoRoot,
    encoding: 'utf8',
    timeout: 120_000,
  });
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /floodgate demo: echo target at http:\/\/127\.0\.0\.1:\d+; running echo/);
  assert.match(r.stdout, /PASSED: all \d+ thresholds met/);
  const files = /Results: (\S+\.json), (\S+\.xml), (\S+\.html)/.exec(r.stdout);
  assert.ok(files, 'the summary names its files');
  const verdictPage = join(repoRoot, files[3]!);
  const report = /HTML report (\S+\.html)/.exec(r.stdout)?.[1];
  assert.ok(report, r.stdout);
  const html = readFileSync(join(repoRoot, report), 'utf8');
  assert.ok(html.length > 50_000 && /<html/i.test(html), 'a self-contained HTML report');
  const judged = JSON.parse(readFileSync(join(repoRoot, files[1]!), 'utf8')) as Report;
  for (const f of [files[1]!, files[2]!]) {
    assert.ok(existsSync(join(repoRoot, f)), f);
    rmSync(join(repoRoot, f));
  }

  await t.test(
    "the verdict page shows what k6's report does not: the verdict, every gate, the provenance, and links k6's charts",
    async () => {
      try {
        const p = await checkVerdictPage(verdictPage);
        assert.deepEqual(p.errors, []);
        assert.deepEqual(p.verdict, { text: `PASSED: all ${judged.thresholds.length} thresholds met`, state: 'pass' });
        assert.deepEqual(
          p.gates.map((g) => [g.metric, g.bound, g.result]),
          judged.thresholds.map((g) => [g.metric, g.expression, 'met']),
        );
        assert.match(p.gates.find((g) => g.metric === 'http_req_duration{scenario:echo}')!.observed, /^p\(95\)=\d+(\.\d+)?(ms|s)$/);
        assert.deepEqual(p.sections, ['Thresholds', 'Requests', 'Provenance']);
        assert.match(p.provenance.commit!, /^[0-9a-f]{40}/);
        assert.match(p.provenance.k6!, /^k6 v2\.2\.0/);
        assert.match(p.provenance.knobs!, /STAGES=4s:3/);
        assert.equal(p.dashboard, pathToFileURL(join(repoRoot, report)).href, "the link opens k6's report of the same run");
      } finally {
        rmSync(verdictPage, { force: true });
        rmSync(verdictPage.replace(/\.html$/, '.png'), { force: true });
      }
    },
  );

  await t.test('the report renders in headless Chromium with data in every chart; its screenshot is kept beside it', async () => {
    const r = await checkReport(join(repoRoot, report));
    assert.deepEqual(r.errors, []);
    assert.equal(r.passed, true);
    assert.ok(r.charts >= 10, `${r.charts} charts`);
    assert.equal(r.chartsWithData, r.charts, `${r.chartsWithData} of ${r.charts} charts drew a series`);
    assert.match(r.summary['http_req_duration'] ?? '', /^\d+(\.\d+)?(µs|ms|s)$/, 'the summary table has the request duration');
    assert.ok(readFileSync(r.screenshot).subarray(1, 4).toString() === 'PNG', r.screenshot);
  });

  await t.test('the check fails on the same report with its samples over time taken out (no charts)', async () => {
    const hollow = join(repoRoot, report.replace(/\.html$/, '-hollow.html'));
    writeFileSync(hollow, withoutSamples(readFileSync(join(repoRoot, report), 'utf8')));
    try {
      const r = await checkReport(hollow);
      // The report leaves out a chart with nothing to draw, so the check sees no charts at all
      // while the summary table (from the cumulative totals) is still there.
      assert.equal(r.passed, false);
      assert.equal(r.charts, 0);
      assert.ok(r.summary['http_req_duration']);
    } finally {
      rmSync(hollow);
      rmSync(hollow.replace(/\.html$/, '.png'), { force: true });
    }
  });
});

/** The report's embedded event stream (gzip, base64, one JSON event per line) minus its samples. */
function withoutSamples(html: string): string {
  return html.replace(/(<script id="data"[^>]*>)([^<]*)(<\/script>)/, (_, open: string, data: string, close: string) => {
    const events = gunzipSync(Buffer.from(data.trim(), 'base64')).toString().split('\n');
    const hollowed = events.map((line) => {
      if (!line.startsWith('{"event":"snapshot"')) return line;
      const event = JSON.parse(line) as { data: unknown[][] };
      // Keep each period's time column; every metric column loses its values.
      return JSON.stringify({ ...event, data: event.data.map((column, i) => (i === 0 ? column : [])) });
    });
    return open + gzipSync(hollowed.join('\n')).toString('base64') + close;
  });
}

test('npm run demo -- breaking-point draws the degradation curve beside the results, and Chromium shows every stage on it', async () => {
  // Shorter stages, the smoke shape: the curve needs the stages, not their length.
  const r = spawnSync(
    process.execPath,
    ['--import', 'tsx', 'scripts/demo.ts', 'breaking-point', '-e', 'STAGES=2s:10,2s:25,2s:50,2s:75,3s:100'],
    {
      cwd: repoRoot,
      encoding: 'utf8',
      timeout: 120_000,
    },
  );
  assert.equal(r.status, 0, r.stdout + r.stderr);
  const svg = /degradation curve (\S+-curve\.svg)/.exec(r.stdout)?.[1];
  assert.ok(svg, r.stdout);
  const json = svg.replace(/-curve\.svg$/, '.json');
  const { findings } = JSON.parse(readFileSync(join(repoRoot, json), 'utf8')) as {
    findings: { title: string; data: { stages: { label: string }[] } };
  };
  const [stages, findingsTitle] = [findings.data.stages, findings.title];
  const page = json.replace(/\.json$/, '.html');
  try {
    const c = await checkCurve(join(repoRoot, svg));
    assert.deepEqual(c.errors, []);
    assert.deepEqual(c.axisLabels, ['10', '25', '50', '75', '100'], 'every stage on the load axis, in order');
    assert.deepEqual(
      stages.map((s) => s.label),
      c.axisLabels,
    );
    // p50, p95 and p99 for each stage that ran.
    assert.equal(c.points, 3 * stages.length);
    for (const text of ['p50', 'p95', 'p99', 'error rate', 'last healthy'])
      assert.ok(c.texts.includes(text), `${text} in ${c.texts.join('|')}`);
    assert.ok(readFileSync(c.screenshot).subarray(1, 4).toString() === 'PNG', c.screenshot);
    // The verdict page carries the same findings, under their own title, beside the gates.
    const p = await checkVerdictPage(join(repoRoot, page));
    assert.deepEqual(p.errors, []);
    assert.ok(p.sections.includes(findingsTitle), `${findingsTitle} in ${p.sections.join('|')}`);
  } finally {
    for (const f of [svg, json, json.replace(/\.json$/, '.xml'), svg.replace(/\.svg$/, '.png'), page, page.replace(/\.html$/, '.png')])
      rmSync(join(repoRoot, f), { force: true });
  }
});

test('the curve marks the breaking point where a run has one, and a results file without stages gets a clear refusal', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'floodgate-curve-'));
  const stage = (label: string, p: number, errorRate: number) => ({
    label,
    load: Number(label),
    requests: 100,
    p50Ms: p,
    p95Ms: p * 2,
    p99: p * 3,
    errorRate,
  });
  const results = {
    scenario: 'breaking-point',
    profile: 'full',
    baseUrl: 'http://127.0.0.1:8087',
    findings: {
      data: {
        model: 'closed',
        unit: 'clients',
        breakingPoint: '750',
        lastHealthy: '250',
        stages: [stage('100', 5, 0), stage('250', 8, 0), stage('500', 120, 0.1), stage('750', 900, 0.6)],
      },
    },
  };
  writeFileSync(join(dir, 'run.json'), JSON.stringify(results));
  writeFileSync(join(dir, 'echo.json'), JSON.stringify({ scenario: 'echo' }));
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/curve.ts', join(dir, 'run.json'), join(dir, 'echo.json')], {
    cwd: repoRoot,
    encoding: 'utf8',
  });
  assert.equal(r.status, 1, 'one of the two could not be drawn');
  assert.match(r.stderr, /cannot draw .*echo\.json: echo results carry no stage findings/);
  const c = await checkCurve(join(dir, 'run-curve.svg'));
  assert.deepEqual(c.axisLabels, ['100', '250', '500', '750']);
  assert.ok(c.texts.includes('breaking point') && c.texts.includes('last healthy'), c.texts.join('|'));
  rmSync(dir, { recursive: true });
});

test('npm run demo with an unknown scenario says which there are', () => {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/demo.ts', 'nope'], {
    cwd: repoRoot,
    encoding: 'utf8',
    timeout: 60_000,
  });
  assert.equal(r.status, 2);
  assert.match(r.stderr, /no scenario "nope"; scenarios: echo, keep-alive, burst, slow-upstream, db-pool, ws-hold, ws-throughput/);
});
