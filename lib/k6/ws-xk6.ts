// ENGINE=xk6: the sockets held by the pack's k6 extension (xk6/wshold, k6/x/floodgate-ws)
// instead of k6/websockets. It runs the same plan (opens over the ramp, pings, echoes, the
// quiet before the close) and pushes the same metrics from Go (ws-sockets.ts declares them;
// the extension finds them in k6's registry by name), so every gate judges it alike. It holds a
// socket in one goroutine with small pooled buffers and no JS object: a fraction of k6's cost.
// Only its failed handshakes come back to the script, to be named by the same classify().
import exec from 'k6/execution';
import { classify } from '../failure-modes.ts';
import { fail } from '../fail.ts';
import { failedRequests } from './metrics.ts';
import type { SocketPlan } from './ws-sockets.ts';

export const XK6_MODULE = 'k6/x/floodgate-ws';

interface Xk6Engine {
  hold(plan: SocketPlan & { slot: number; startTime: number }): { failures: Record<string, number>; cuts: Record<string, number> };
}

// k6 defines require() in the init context only. It is called only for ENGINE=xk6, so stock k6
// runs the default engine with no trace of the extension.
declare const require: (id: string) => unknown;

/** The extension, loaded at init; call only when ENGINE=xk6. */
export function loadXk6(): Xk6Engine {
  const needs = `ENGINE=xk6 needs the k6 built with the pack's extension ${XK6_MODULE} (xk6/wshold): npm run k6 -- run -e ENGINE=xk6 ... builds and runs it (npm run fanout and bench:ws do too), or use ENGINE=k6`;
  let mod: Partial<Xk6Engine> | undefined;
  try {
    mod = require(XK6_MODULE) as Partial<Xk6Engine>;
  } catch (e) {
    fail(`${needs}; k6 said: ${String(e)}`);
  }
  // A k6 without it hands back an empty module rather than an error.
  if (typeof mod?.hold !== 'function') fail(`this k6 has no ${XK6_MODULE}. ${needs}`);
  return mod as Xk6Engine;
}

/** This VU's share of the sockets, held by the extension (blocks until its close). */
export function holdSlotXk6(engine: Xk6Engine, plan: SocketPlan): void {
  const { failures, cuts } = engine.hold({ ...plan, slot: exec.scenario.iterationInTest, startTime: exec.scenario.startTime });
  for (const [error, n] of Object.entries(failures)) {
    failedRequests.add(n, { failure_mode: classify({ status: 0, error }) ?? 'other' });
  }
  // ws_unexpected_closes counts them; this says how they ended, as the socket read it.
  for (const [error, n] of Object.entries(cuts)) console.warn(`floodgate ws-hold: ${n} connection(s) cut before the close: ${error}`);
}
