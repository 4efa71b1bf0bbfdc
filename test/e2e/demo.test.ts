// The README's first command: `npm run demo` starts the target, runs the scenario, prints the
// summary, writes the JSON/JUnit files and the HTML report, stops the target, exits with k6's code.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../helpers/k6.ts';

test('npm run demo runs the echo scenario end to end and leaves a summary and an HTML report', () => {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/demo.ts', 'echo', '-e', 'STAGES=4s:3'], { cwd: repoRoot, encoding: 'utf8', timeout: 120_000 });
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /floodgate demo: echo target at http:\/\/127\.0\.0\.1:\d+; running echo/);
  assert.match(r.stdout, /PASSED: all \d+ thresholds met/);
  const files = /Results: (\S+\.json), (\S+\.xml)/.exec(r.stdout);
  assert.ok(files, 'the summary names its files');
  const report = /HTML report (\S+\.html)/.exec(r.stdout)?.[1];
  assert.ok(report, r.stdout);
  const html = readFileSync(join(repoRoot, report), 'utf8');
  assert.ok(html.length > 50_000 && /<html/i.test(html), 'a self-contained HTML report');
  for (const f of [files[1]!, files[2]!, report]) {
    assert.ok(existsSync(join(repoRoot, f)), f);
    rmSync(join(repoRoot, f));
  }
});

test('npm run demo with an unknown scenario says which there are', () => {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/demo.ts', 'nope'], { cwd: repoRoot, encoding: 'utf8', timeout: 60_000 });
  assert.equal(r.status, 2);
  assert.match(r.stderr, /no scenario "nope"; scenarios: echo, keep-alive, burst, slow-upstream, db-pool/);
});
