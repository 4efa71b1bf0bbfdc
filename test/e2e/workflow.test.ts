// The GitHub Actions workflow users copy (.github/workflows/load-test.yml): actionlint (pinned,
// built into the cache) passes it and fails a broken copy; and its own steps, run here with
// bash as the runner would (the reference target, then k6 with the results kept), gate as the job would.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { parse } from 'yaml';
import { ensureGoTool } from '../../harness/go-tool.mjs';
import { ensureK6 } from '../../harness/k6-setup.mjs';
import { HEADROOM, repoRoot } from '../helpers/k6.ts';

const WORKFLOW = join(repoRoot, '.github', 'workflows', 'load-test.yml');

interface Step {
  id?: string;
  run?: string;
  env?: Record<string, string>;
}
const steps = () => (parse(readFileSync(WORKFLOW, 'utf8')) as { jobs: { load: { steps: Step[] } } }).jobs.load.steps;

const actionlint = (file: string) => spawnSync(ensureGoTool('actionlint'), ['-no-color', file], { encoding: 'utf8' });

test('actionlint passes the workflow, and fails a copy with a broken expression and an unknown key', () => {
  const ok = actionlint(WORKFLOW);
  assert.equal(ok.status, 0, ok.stdout + ok.stderr);
  const dir = mkdtempSync(join(tmpdir(), 'floodgate-workflow-'));
  const broken = join(dir, 'broken.yml');
  writeFileSync(
    broken,
    readFileSync(WORKFLOW, 'utf8')
      .replace("${{ inputs.scenario || 'burst' }}", "${{ inputs.scenaro || 'burst' }}")
      .replace('timeout-minutes: 20', 'timeout-minute: 20'),
  );
  const bad = actionlint(broken);
  assert.notEqual(bad.status, 0);
  assert.match(bad.stdout, /scenaro/);
  assert.match(bad.stdout, /timeout-minute/);
});

/** Runs one step's script with bash, as the runner does, with the job's env and the step's. */
function runStep(step: Step, env: Record<string, string>): Promise<{ code: number | null; out: string; pid: number }> {
  return new Promise((resolve) => {
    // Its own process group: the target it leaves running in the background is stopped with it after.
    const child = spawn('bash', ['-e', '-c', step.run!], { cwd: repoRoot, env: { ...process.env, ...env, ...step.env }, detached: true });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('exit', (code) => resolve({ code, out, pid: child.pid! }));
  });
}

test("the workflow's own steps start the reference target and run the scenario: results JSON, JUnit and HTML report kept (exit 0)", async () => {
  const results = join(repoRoot, 'results');
  // A report left by an earlier run would pass for this one's.
  rmSync(join(results, 'report.html'), { force: true });
  const before = new Set(existsSync(results) ? readdirSync(results) : []);
  const env = {
    SCENARIO: 'burst',
    STAGING_URL: '',
    STAGING_HOST: '',
    PATH: `${dirname(ensureK6())}:${process.env.PATH}`,
    // Judged with the suite's headroom (k6 reads knobs from its environment too): this proves the
    // steps, not this machine's speed beside the other tests of its lane.
    THRESHOLDS_FILE: HEADROOM.THRESHOLDS_FILE,
  };
  const byId = Object.fromEntries(steps().map((s) => [s.id, s]));
  const target = await runStep(byId.target!, env);
  try {
    assert.equal(target.code, 0, target.out);
    const load = await runStep(byId.load!, env);
    assert.equal(load.code, 0, load.out);
    const added = readdirSync(results).filter((f) => !before.has(f));
    assert.ok(added.some((f) => /^burst-.*\.json$/.test(f)) && added.some((f) => /^burst-.*\.xml$/.test(f)), added.join(', '));
    assert.ok(existsSync(join(results, 'report.html')), 'the HTML report the upload step keeps');
  } finally {
    try {
      process.kill(-target.pid, 'SIGTERM');
    } catch {
      // already gone
    }
    rmSync(join(repoRoot, 'target.log'), { force: true });
  }
});
