// The README's first command: `npm run demo` starts the target, runs the scenario, prints the
// summary, writes the JSON/JUnit files and the HTML report, stops the target, exits with k6's code.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { gunzipSync, gzipSync } from 'node:zlib';
import { join } from 'node:path';
import { repoRoot } from '../helpers/k6.ts';
import { checkReport } from '../../harness/report-check.ts';

test('npm run demo runs the echo scenario end to end and leaves a summary and an HTML report', async (t) => {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/demo.ts', 'echo', '-e', 'STAGES=4s:3'], {
    cwd: repoRoot,
    encoding: 'utf8',
    timeout: 120_000,
  });
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /floodgate demo: echo target at http:\/\/127\.0\.0\.1:\d+; running echo/);
  assert.match(r.stdout, /PASSED: all \d+ thresholds met/);
  const files = /Results: (\S+\.json), (\S+\.xml)/.exec(r.stdout);
  assert.ok(files, 'the summary names its files');
  const report = /HTML report (\S+\.html)/.exec(r.stdout)?.[1];
  assert.ok(report, r.stdout);
  const html = readFileSync(join(repoRoot, report), 'utf8');
  assert.ok(html.length > 50_000 && /<html/i.test(html), 'a self-contained HTML report');
  for (const f of [files[1]!, files[2]!]) {
    assert.ok(existsSync(join(repoRoot, f)), f);
    rmSync(join(repoRoot, f));
  }

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

test('npm run demo with an unknown scenario says which there are', () => {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/demo.ts', 'nope'], {
    cwd: repoRoot,
    encoding: 'utf8',
    timeout: 60_000,
  });
  assert.equal(r.status, 2);
  assert.match(r.stderr, /no scenario "nope"; scenarios: echo, keep-alive, burst, slow-upstream, db-pool, ws-hold, ws-throughput/);
});
