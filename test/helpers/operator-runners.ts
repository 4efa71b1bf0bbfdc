// A TestRun's runners without a cluster: what `npm run operator` wrote (configmap.yaml and
// testrun.yaml), run the way k6-operator v1.6.0 runs it. Each runner is a k6 process with
// exactly the command the operator gives its pod (harness/operator.ts runnerCommand), in a
// directory of its own as a pod's filesystem is, from the archive decoded out of the ConfigMap.
// Only what is pod-local changes: the script's mount path becomes the decoded file, the REST
// API's 0.0.0.0:6565 a free loopback port, and the cluster's DNS k6's `hosts` (K6_CONFIG) mapping
// the service names to loopback. As the operator does, every runner starts paused, is ready when
// GET /v1/status answers, and is resumed by the starter's PATCH once all are ready.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { RUNNER_API_PORT, SCRIPT_MOUNT, runnerCommand } from '../../harness/operator.ts';
import { freePort } from '../../harness/services.ts';
import { ensureK6 } from '../../harness/k6-setup.mjs';
import { k6Env } from '../../harness/k6-env.mjs';
import { eventually } from './eventually.ts';

export interface RunnerResult {
  index: number;
  argv: string[];
  /** The runner's working directory: its own results/ land here, as in its pod. */
  cwd: string;
  code: number | null;
  out: string;
}

type TestRun = Parameters<typeof runnerCommand>[0] & { spec: { runner?: { env?: { name: string; value: string }[] } } };

/** The starter's request (pkg/resources/containers/curl_start.go). */
const START = JSON.stringify({ data: { attributes: { paused: false }, id: 'default', type: 'status' } });

/** Runs every runner of the TestRun in `dir`; `hosts` maps the cluster's service names to loopback. */
export async function runTestRun(dir: string, hosts: Record<string, string>): Promise<{ testRun: TestRun; runners: RunnerResult[] }> {
  const testRun = parse(readFileSync(join(dir, 'testrun.yaml'), 'utf8')) as TestRun;
  const configMap = parse(readFileSync(join(dir, 'configmap.yaml'), 'utf8')) as { binaryData: Record<string, string> };
  const file = testRun.spec.script.configMap.file ?? 'test.js';
  const work = mkdtempSync(join(tmpdir(), 'floodgate-testrun-'));
  const script = join(work, file);
  writeFileSync(script, Buffer.from(configMap.binaryData[file]!, 'base64'));
  const config = join(work, 'k6-config.json');
  writeFileSync(config, JSON.stringify({ hosts }));

  const started = await Promise.all(
    Array.from({ length: testRun.spec.parallelism }, async (_, i) => {
      const index = i + 1;
      const port = await freePort();
      const argv = runnerCommand(testRun, index).map((a) =>
        a === `${SCRIPT_MOUNT}${file}` ? script : a === `--address=0.0.0.0:${RUNNER_API_PORT}` ? `--address=127.0.0.1:${port}` : a,
      );
      const cwd = mkdtempSync(join(work, `runner-${index}-`));
      const child = spawn(ensureK6(), argv, {
        cwd,
        // The pod's env from the manifest, as the kubelet would set it.
        env: {
          ...k6Env(process.env, cwd),
          ...Object.fromEntries((testRun.spec.runner?.env ?? []).map((e) => [e.name, e.value])),
          K6_CONFIG: config,
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      child.stdout.on('data', (d) => (out += d));
      child.stderr.on('data', (d) => (out += d));
      let gone = false;
      const exited = new Promise<number | null>((resolve) =>
        child.on('exit', (code) => {
          gone = true;
          resolve(code);
        }),
      );
      return { index, argv, cwd, port, child, exited, gone: () => gone, out: () => out };
    }),
  );
  const api = (port: number) => `http://127.0.0.1:${port}/v1/status`;
  // The operator's readiness probe: each runner's API answers once its init is done.
  // A runner that exits in its init (a refused knob) is not waited for; if any fails to start,
  // the others are not left paused forever (they would keep the test file from ending).
  try {
    for (const r of started) {
      const ready = await eventually(
        `runner ${r.index} ready`,
        () =>
          r.gone()
            ? 'exited'
            : fetch(api(r.port)).then(
                (res) => (res.ok ? 'ready' : 'starting'),
                () => 'starting',
              ),
        (s) => s !== 'starting',
        30_000,
      );
      if (ready === 'exited') throw new Error(`runner ${r.index} exited before it was started:\n${r.out()}`);
    }
    for (const r of started) {
      const res = await fetch(api(r.port), { method: 'PATCH', headers: { 'Content-Type': 'application/json' }, body: START });
      if (!res.ok) throw new Error(`runner ${r.index} refused the start: ${res.status} ${await res.text()}`);
    }
  } catch (e) {
    for (const r of started) r.child.kill('SIGKILL');
    await Promise.all(started.map((r) => r.exited));
    throw e;
  }
  const runners = await Promise.all(
    started.map(async (r) => ({ index: r.index, argv: r.argv, cwd: r.cwd, code: await r.exited, out: r.out() })),
  );
  return { testRun, runners };
}
