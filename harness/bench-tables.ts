// The connections-held tables of the README and docs/benchmarks.md, rendered from the runs
// bench/results/ws-hold.json keeps (npm run bench:ws appends every run, held or not), so no
// figure is typed by hand. Also the shape of that file, for the bench that writes it.

/** One count asked of one run of npm run bench:ws. */
export interface WsHoldResult {
  connections: number;
  k6Processes: number;
  targetWorkers: number;
  held: boolean;
  exitCode: number;
  established: number | null;
  unexpectedCloses: number | null;
  /** Echoes back intact, of those sent (the ws_echo_ok gate: > 0.99); absent in older runs. */
  echoOkRate?: number | null;
  failureModes: Record<string, number>;
  /** Seconds from the start until the target counted every connection open. */
  rampSeconds: number | null;
  peakOpenAtTarget: number;
  k6RssPeakBytes: number;
  targetRssPeakBytes: number;
  k6RssPerConnectionBytes: number;
  targetRssPerConnectionBytes: number;
  /** k6 per connection / target per connection. */
  k6ToTargetRatio: number;
  /** Connections dropped at the target's full accept queue during the run: the ramp outran it. */
  listenOverflows: number;
  /** The most one target worker held at once (each may hold at most the per-process file limit). */
  maxPerWorker: number;
  /** Connections open at the target when the accept queue first overflowed in this run (null: never); absent in older runs. */
  openAtFirstOverflow?: number | null;
  /** CPU seconds k6 and the target used, over the run's wall seconds (2 cores: at most 2 x wall); absent in older runs. */
  cpuSeconds?: { k6: number; target: number; wall: number };
  /**
   * Cores k6 and the target used while every connection was open and nothing else happened (from
   * when the target counted them all, over half the hold; three quarters in the first such run):
   * the keepalive's cost, what a fleet is sized by. Null when the ramp never completed or the
   * window was not reached; absent in older runs.
   */
  holdCores?: { k6: number; target: number; seconds: number } | null;
  /** Connections ended, by who ended them as the target counts (client, heartbeat, error...); absent in older runs. */
  targetEndedBy?: Record<string, number>;
}

export interface WsHoldRun {
  k6: string;
  /**
   * What held the sockets in k6: k6 (its own k6/websockets; absent in the oldest runs, which were
   * k6) or xk6 (the pack's former extension k6/x/floodgate-ws).
   */
  engine?: string;
  /** With engine xk6, the extension's build (a hash of its source); absent in its earliest runs. */
  engineBuild?: string;
  /** Why and since when an engine is no longer shipped: its runs stay on record, apart from what a user can run today. */
  engineRetired?: string;
  hold: string;
  /** The ramp's pace as scheduled; a ramp held back by connectingPerVu takes longer (rampSeconds). */
  rampPerSecond: number;
  /** Handshakes one VU had under way at most (CONNECTING_PER_VU); absent: no limit. */
  connectingPerVu?: number;
  /** Go's GC target k6 ran with (GOGC); absent: Go's default, 100. */
  gogc?: number;
  mostHeld: number;
  at: string;
  results: WsHoldResult[];
}

/** The runs of the file's text ('' when there is none); a file from before runs were kept is its one run. */
export function wsHoldRuns(text: string): WsHoldRun[] {
  if (text.trim() === '') return [];
  const kept = JSON.parse(text) as { runs?: WsHoldRun[] } & Partial<WsHoldRun>;
  return kept.runs ?? (kept.results ? [kept as WsHoldRun] : []);
}

/** What held the sockets in k6, for the extension which build, and whether it still ships. */
const engineName = (r: WsHoldRun) =>
  ((r.engine ?? 'k6') === 'xk6'
    ? `xk6 (k6/x/floodgate-ws, ${r.engineBuild ? `build ${r.engineBuild}` : 'an earlier build'})`
    : 'k6 (k6/websockets)') + (r.engineRetired ? ', no longer shipped' : '');

/**
 * Runs asked the same way count together: engine, hold and ramp rate, and for the extension its
 * build. A fix to the extension starts a new count: runs of a build with a known fault (readers
 * that stalled on k6's sample channel, 2d59e03) say nothing about the next one.
 */
export const askedAs = (r: WsHoldRun) => `${engineName(r)}, hold ${r.hold}, ramp ${rampName(r)}`;

/** The ramp as asked: its pace, and what held it back or tuned k6 for it. */
const rampName = (r: WsHoldRun) =>
  `${r.rampPerSecond}/s` +
  (r.connectingPerVu ? ` with at most ${r.connectingPerVu} handshakes a VU under way` : '') +
  (r.gogc ? `, GOGC=${r.gogc}` : '');

const kib = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;
const count = (n: number) => n.toLocaleString('en-US');

/**
 * Per engine and count: held in N of M runs asked the same way, and the last run's figures.
 * `shippedOnly` leaves out engines no longer shipped: what a user can run today.
 */
export function wsHoldHeldTable(all: WsHoldRun[], docsPrefix: string, { shippedOnly = false } = {}): string {
  const runs = shippedOnly ? all.filter((r) => !r.engineRetired) : all;
  if (runs.length === 0)
    return `No run recorded yet: \`npm run bench:ws\` records each ([how](${docsPrefix}benchmarks.md#connections-held-npm-run-benchws)).`;
  const groups = new Map<string, { run: WsHoldRun; result: WsHoldResult }[]>();
  for (const run of runs) {
    for (const result of run.results) {
      const key = `${askedAs(run)}|${result.connections}`;
      groups.set(key, [...(groups.get(key) ?? []), { run, result }]);
    }
  }
  const rows = [...groups.values()].map((all) => {
    const { run, result: last } = all[all.length - 1]!;
    const held = all.filter((x) => x.result.held).length;
    return (
      `| ${count(last.connections)} | ${engineName(run)} | ${held} of ${all.length} | ${run.hold}, ${rampName(run)} | ` +
      `${kib(last.k6RssPerConnectionBytes)} | ${kib(last.targetRssPerConnectionBytes)} | ${run.at.slice(0, 10)} |`
    );
  });
  return [
    '| connections | held in k6 by | runs that held | hold, ramp | k6 RSS per connection (last run) | target RSS per connection (last run) | last run |',
    '| --- | --- | --- | --- | --- | --- | --- |',
    ...rows,
  ].join('\n');
}

/** Every run, held or not, oldest first. */
export function wsHoldRunsTable(runs: WsHoldRun[]): string {
  const rows = runs.flatMap((run) =>
    run.results.map((r) => {
      const echo = r.echoOkRate === undefined || r.echoOkRate === null ? '' : `${(r.echoOkRate * 100).toFixed(2)} %`;
      // Who cut them, as the target saw it: every end but the client's own close frame.
      const cutBy = Object.entries(r.targetEndedBy ?? {})
        .filter(([reason, n]) => reason !== 'client' && n > 0)
        .map(([reason, n]) => `${reason} ${count(n)}`)
        .join(', ');
      const firstAt =
        r.openAtFirstOverflow === undefined || r.openAtFirstOverflow === null ? '' : ` (first with ${count(r.openAtFirstOverflow)} open)`;
      const c = r.cpuSeconds;
      const h = r.holdCores;
      const cores =
        (c ? `${(c.k6 / c.wall).toFixed(2)} / ${(c.target / c.wall).toFixed(2)}` : '') +
        (h ? `; held: ${h.k6.toFixed(2)} / ${h.target.toFixed(2)}` : '');
      const modes = Object.entries(r.failureModes)
        .map(([m, n]) => `${m} ${count(n)}`)
        .join(', ');
      return (
        `| ${run.at.slice(0, 16).replace('T', ' ')} | ${engineName(run)} | ${count(r.connections)} | ${r.held ? 'held' : '**NOT held**'} (exit ${r.exitCode}) | ` +
        `${r.established === null ? '?' : count(r.established)} | ${r.unexpectedCloses ?? '?'}${cutBy ? ` (${cutBy})` : ''} | ${echo} | ${modes || 'none'} | ` +
        `${r.rampSeconds === null ? 'not completed' : `${Math.round(r.rampSeconds)} s`} | ${count(r.listenOverflows)}${firstAt} | ` +
        `${kib(r.k6RssPerConnectionBytes)} | ${kib(r.targetRssPerConnectionBytes)} | ${r.k6ToTargetRatio} | ${cores} |`
      );
    }),
  );
  return [
    '| recorded (UTC) | held in k6 by | connections | result | established | cut | echoes intact | failed handshakes | all open after | dropped at the accept queue | k6 RSS per connection | target RSS per connection | k6 / target | CPU, cores on average over the run (and while all were held): k6 / target |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    ...rows,
  ].join('\n');
}
