// docker-compose.yml is valid (checked by Debian's docker-compose, no engine needed), has the
// services the scenarios use, and publishes every port on loopback only.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { K6_VERSION } from '../../harness/k6-setup.mjs';
import { ensureBinary } from '../../harness/services.ts';

const file = fileURLToPath(new URL('../../docker-compose.yml', import.meta.url));

test('docker-compose config accepts the file', () => {
  const bin = ensureBinary('docker-compose', 'docker-compose');
  const r = spawnSync(bin, ['-f', file, 'config', '-q'], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
});

test('it has the services the scenarios need, images pinned, ports on 127.0.0.1 only', () => {
  const yaml = readFileSync(file, 'utf8');
  for (const service of ['redis', 'postgres', 'influxdb', 'grafana', 'targets'])
    assert.match(yaml, new RegExp(`^  ${service}:$`, 'm'), service);
  for (const [, image] of yaml.matchAll(/^\s+image: (\S+)$/gm))
    assert.match(image!, /:\d+(\.\d+)+(-[a-z0-9]+)*$/, `${image} is pinned to a version`);
  const ports = [...yaml.matchAll(/^\s+- "([^"]+:\d+:\d+)"$/gm)].map((m) => m[1]!);
  assert.ok(ports.length > 0);
  for (const p of ports) assert.match(p, /^127\.0\.0\.1:/, `${p} binds to loopback`);
});

test('k6 runs on demand under the "k6" profile, at the version the suite builds, on the targets\' loopback', () => {
  const bin = ensureBinary('docker-compose', 'docker-compose');
  const r = spawnSync(bin, ['-f', file, '--profile', 'k6', 'config'], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const k6 = /\n {2}k6:\n((?: {4}.*\n)+)/.exec(r.stdout)?.[1] ?? '';
  // Under a profile, a plain `docker compose up` leaves it out.
  assert.match(k6, /profiles:\n\s+- k6\n/);
  assert.match(k6, new RegExp(`image: grafana/k6:${K6_VERSION.slice(1).replace(/\./g, '\\.')}\n`));
  assert.match(k6, /network_mode: service:targets/);
  assert.match(k6, /K6_OUT: influxdb=http:\/\/influxdb:8086\/k6/);
});
