// Many WebSockets per VU (k6/websockets runs them all on the VU's event loop): each VU opens
// its share of the test's connections spread evenly over the ramp, keeps them open with pings
// and echo checks, and closes them cleanly at the end. A VU with one socket each would cost
// 1-5 MB per connection; this costs what the sockets cost. What is the script's own is kept
// small per socket: one scheduler per VU drives all its sockets' opens, pings and sends (no timer
// per socket), the four event handlers are shared by every socket, a socket that sends nothing
// keeps no map of echoes owed, and an echo is checked against the message rebuilt from its
// sequence number and send time rather than a stored copy.
import exec from 'k6/execution';
import { Counter, Rate, Trend } from 'k6/metrics';
import { clearTimeout, setTimeout, type TimeoutID } from 'k6/timers';
import { WebSocket, type ErrorEvent, type MessageEvent } from 'k6/websockets';
import { classify } from '../failure-modes.ts';
import { failedRequests } from './metrics.ts';

/** Handshakes that completed, of those tried (a failed one is also in failed_requests by mode). */
export const wsEstablished = new Rate('ws_established');
/** Connections that ended before the test closed them: the server or the network cut them. */
export const wsUnexpectedCloses = new Counter('ws_unexpected_closes');
/** Send to matching echo, to the microsecond (see preciseNow). */
export const wsEchoRtt = new Trend('ws_echo_rtt', true);
/** An echo came back with the bytes sent; false for a wrong one or one still missing at the close. */
export const wsEchoOk = new Rate('ws_echo_ok');
/** How late a scheduled send left: above a few ms, k6 itself (not the target) is the bottleneck. */
export const wsSendLag = new Trend('ws_send_lag', true);

// Sends stop this long before the close (at most one period, at most a quarter of the hold), so
// every echo is back before the close frames of the whole test leave at once: under that storm,
// on a loaded machine, an echo sent in the last second came back late and was counted lost (a
// 100,000-socket run failed ws_echo_ok on exactly those, about 1 in 60 with a 60 s interval).
const ECHO_QUIET_MS = 5_000;
// How long the close still waits for echoes owed after the quiet: far above any healthy round trip.
const ECHO_DRAIN_MS = 1_000;
const CONNECTING = 0; // k6/websockets readyState values, as in browsers
const OPEN = 1;

/**
 * Milliseconds since the test started, with microsecond digits and monotonic: k6 has no
 * performance.now(), and Date.now()'s 1 ms steps put a p99 of a few ms on a 1 ms grid (a
 * 10 ms gate read exactly 10.0). Go's clock, read through k6/execution.
 */
const preciseNow = () => exec.instance.currentTestRunDuration;

export interface SocketPlan {
  url: string;
  /** Connections in the whole test (all VUs, all k6 processes of a split run). */
  connections: number;
  /** VUs in the whole test; each holds every slots-th connection. */
  slots: number;
  rampMs: number;
  /** From the end of the ramp to the close. */
  holdMs: number;
  /** 0: no pings. */
  pingEveryMs: number;
  /** Each socket sends one message this often (0: none), from sendFromMs after the start. */
  sendEveryMs: number;
  sendFromMs: number;
  messageBytes: number;
}

/** Connection g of the test: socket s of slot v, g = s * slots + v, opened at g / connections of the ramp. */
export function socketsOfSlot(plan: Pick<SocketPlan, 'connections' | 'slots'>, slot: number): number[] {
  const out: number[] = [];
  for (let g = slot; g < plan.connections; g += plan.slots) out.push(g);
  return out;
}

let padding = '';
/** A message of exactly `bytes` bytes that names its send time (preciseNow), so the echo can be checked and timed. */
export function message(seq: number, sentAt: number, bytes: number): string {
  const head = `${seq} ${sentAt} `;
  const fill = Math.max(0, bytes - head.length);
  if (padding.length < fill) padding = 'x'.repeat(fill);
  return head + padding.slice(0, fill);
}

/** Where in each period socket g does its periodic work: spread evenly, so the total rate is smooth, not bursts. */
export const phaseOf = (g: number, periodMs: number) => (g * 7919) % periodMs;

/** One socket's state: what the shared handlers need, nothing per socket that is not used. */
interface Held {
  ws: WebSocket;
  opened: boolean;
  failed: boolean;
  closed: boolean;
  seq: number;
  /** Send time by sequence number of the echoes still owed; only on sockets that send. */
  owed: Map<number, number> | undefined;
  /** Set at the close: waiting for the echoes still owed before sending the close frame. */
  draining: boolean;
  /** Set when the test ends before the handshake did: close as soon as it opens. */
  closeWhenOpen: boolean;
}

/**
 * Calls `fire(item, due)` for each item at `from + phase(item) + k * periodMs` (k = 0, 1, ...),
 * with one timer for all of them: items sorted by phase are due in that order every period. A
 * schedule k6 falls behind on is caught up at most one round a turn of the event loop, so the
 * VU's other timers (the close) still run; the lateness is fire's to measure. Returns its stop.
 */
function rota<T>(items: T[], phase: (t: T) => number, periodMs: number, from: number, fire: (t: T, due: number) => void): () => void {
  if (items.length === 0 || periodMs <= 0) return () => {};
  const order = items.map((t) => ({ t, phase: phase(t) })).sort((a, b) => a.phase - b.phase);
  let i = 0;
  let base = from;
  let pending: TimeoutID;
  const turn = () => {
    const now = Date.now();
    for (let n = 0; n < order.length && base + order[i]!.phase <= now; n++) {
      fire(order[i]!.t, base + order[i]!.phase);
      if (++i === order.length) {
        i = 0;
        base += periodMs;
      }
    }
    pending = setTimeout(turn, Math.max(0, base + order[i]!.phase - Date.now()));
  };
  pending = setTimeout(turn, Math.max(0, from + order[0]!.phase - Date.now()));
  // Stopped at the close: a turn left waiting would keep the VU alive up to a period longer.
  return () => clearTimeout(pending);
}

/** Runs this VU's share: call from a per-vu-iterations scenario with one iteration per VU. */
export function holdSlot(plan: SocketPlan): void {
  // Unique over the whole test, also when it is split with --execution-segment.
  const slot = exec.scenario.iterationInTest;
  const t0 = exec.scenario.startTime;
  const closeAt = t0 + plan.rampMs + plan.holdMs;
  const mine = socketsOfSlot(plan, slot);
  const held: Held[] = [];
  const byWs = new Map<WebSocket, Held>();
  let closing = false;
  // One sample of zero, so the gate reads 0 (not "no samples") when nothing closed early.
  wsUnexpectedCloses.add(0);

  const sendClose = (h: Held) => {
    // Not close() while CONNECTING: in k6 v2.2.0 it blocks the VU until the handshake ends, and
    // forever if it fails (the close frame waits on a channel no writer will ever read).
    if (h.ws.readyState === CONNECTING) h.closeWhenOpen = true;
    else if (h.ws.readyState === OPEN) h.ws.close(1000, 'test over');
  };

  // The handlers, shared: each event names its socket (target).
  // A socket's events after its close (none are expected) find no state and are ignored.
  const heldOf = (e: unknown) => byWs.get((e as { target: WebSocket }).target);
  const onOpen = (e?: unknown) => {
    const h = heldOf(e);
    if (!h) return;
    h.opened = true;
    wsEstablished.add(true);
    if (h.closeWhenOpen) sendClose(h);
  };
  const onMessage = (e?: MessageEvent) => {
    const h = heldOf(e);
    if (!h) return;
    const text = String(e?.data);
    const space = text.indexOf(' ');
    const n = Number(text.slice(0, space));
    const sentAt = h.owed?.get(n);
    // Tagged by what went wrong, so a failed gate says whether echoes were lost or garbled.
    if (sentAt === undefined) return wsEchoOk.add(false, { echo: 'unexpected' });
    h.owed!.delete(n);
    if (text === message(n, sentAt, plan.messageBytes)) wsEchoOk.add(true);
    else wsEchoOk.add(false, { echo: 'wrong' });
    wsEchoRtt.add(preciseNow() - sentAt);
    if (h.draining && h.owed!.size === 0) sendClose(h);
  };
  const onError = (e?: ErrorEvent) => {
    const h = heldOf(e);
    if (!h || h.opened || h.failed) return;
    h.failed = true;
    wsEstablished.add(false);
    failedRequests.add(1, { failure_mode: classify({ status: 0, error: e?.error ?? 'unknown WebSocket error' }) ?? 'other' });
  };
  const onClose = (e?: unknown) => {
    const h = heldOf(e);
    if (!h) return;
    h.closed = true;
    // Echoes still owed when the connection ends are lost messages.
    for (let i = 0; i < (h.owed?.size ?? 0); i++) wsEchoOk.add(false, { echo: 'missing' });
    h.owed?.clear();
    if (h.opened && !closing) wsUnexpectedCloses.add(1);
    byWs.delete(h.ws);
  };

  // Opens, in order over the ramp: connection g at g / connections of it.
  let next = 0;
  const openAt = (g: number) => t0 + Math.floor((g / plan.connections) * plan.rampMs);
  const openDue = () => {
    if (closing) return;
    for (; next < mine.length && openAt(mine[next]!) <= Date.now(); next++) {
      const ws = new WebSocket(plan.url);
      const h: Held = {
        ws,
        opened: false,
        failed: false,
        closed: false,
        seq: 0,
        owed: undefined,
        draining: false,
        closeWhenOpen: false,
      };
      if (plan.sendEveryMs > 0) h.owed = new Map();
      byWs.set(ws, h);
      held.push(h);
      ws.onopen = onOpen;
      ws.onmessage = onMessage;
      ws.onerror = onError;
      ws.onclose = onClose;
    }
    if (next < mine.length) setTimeout(openDue, Math.max(0, openAt(mine[next]!) - Date.now()));
  };
  setTimeout(openDue, Math.max(0, openAt(mine[0] ?? 0) - Date.now()));

  const live = (h: Held) => h.opened && !h.closed && h.ws.readyState === OPEN;
  // Every socket of the plan, by index in `mine`: a socket opens after its first turns come round.
  const slots = mine.map((g, i) => ({ g, i }));
  const stops: (() => void)[] = [];
  if (plan.pingEveryMs > 0) {
    // k6 times each ping to its pong itself, by ping id: its built-in ws_ping metric.
    const stop = rota(
      slots,
      (s) => phaseOf(s.g, plan.pingEveryMs),
      plan.pingEveryMs,
      t0,
      (s) => {
        const h = held[s.i];
        if (h && live(h)) h.ws.ping();
      },
    );
    stops.push(stop);
  }
  const quietFrom = closeAt - Math.min(ECHO_QUIET_MS, plan.sendEveryMs, plan.holdMs / 4);
  if (plan.sendEveryMs > 0) {
    const stop = rota(
      slots,
      (s) => phaseOf(s.g, plan.sendEveryMs),
      plan.sendEveryMs,
      t0 + plan.sendFromMs,
      (s, due) => {
        const h = held[s.i];
        if (!h || !live(h) || due >= quietFrom) return;
        wsSendLag.add(Math.max(0, Date.now() - due));
        const sentAt = preciseNow();
        h.owed!.set(h.seq, sentAt);
        h.ws.send(message(h.seq++, sentAt, plan.messageBytes));
      },
    );
    stops.push(stop);
  }

  setTimeout(
    () => {
      closing = true;
      for (const stop of stops) stop();
      let waiting = false;
      for (const h of held) {
        if (h.owed !== undefined && h.owed.size > 0 && h.ws.readyState === OPEN) {
          // Echoes still on their way are waited for (up to ECHO_DRAIN_MS), not counted lost.
          h.draining = true;
          waiting = true;
        } else sendClose(h);
      }
      if (waiting) setTimeout(() => held.forEach((h) => h.draining && sendClose(h)), ECHO_DRAIN_MS);
    },
    Math.max(0, closeAt - Date.now()),
  );
}
