// The first resource to run out, by the single-container study's limits.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { atLimit, cpuShareMeter, fdShare, firstExhausted, memoryShare } from '../../lib/resources.ts';

test('CPU share: CPU seconds over wall seconds between scrapes, over the cores allowed; none on the first or after a restart', () => {
  const meter = cpuShareMeter(2);
  assert.equal(meter(10, 1000), undefined);
  assert.equal(meter(11.5, 2000), 0.75); // 1.5 CPU seconds in one second, of two cores
  assert.equal(meter(0.2, 3000), undefined); // the counter went back: a new process
});

test('memory and open files as shares of their limits; absent readings give none', () => {
  assert.equal(memoryShare({ target_rss_bytes: 512 * 1024 * 1024 }, 2048 * 1024 * 1024), 0.25);
  assert.equal(memoryShare({}, 1), undefined);
  assert.equal(fdShare({ target_open_fds: 950, target_max_fds: 1000 }), 0.95);
  assert.equal(fdShare({ target_open_fds: 950 }), undefined);
});

test("the study's limits: CPU 95 %, memory 90 %, files 95 %; the first to reach its limit wins", () => {
  assert.deepEqual(
    atLimit({ target_cpu_share: 0.96, target_memory_share: 0.89, target_fd_share: 0.95 }).map((r) => r.resource),
    ['cpu', 'files'],
  );
  assert.equal(firstExhausted({ cpu: 30, memory: 12, files: null })?.resource.resource, 'memory');
  assert.equal(firstExhausted({ cpu: null, memory: null }), null);
});
