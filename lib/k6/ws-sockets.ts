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
/** How late each handshake left after its time in the ramp: k6 falling behind, or maxConnecting waiting on the target. */
export const wsOpenLag = new Trend('ws_open_lag', true);

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
 * A clock in milliseconds since the test started, with microsecond digits and monotonic: k6 has
 * no performance.now(), and Date.now()'s 1 ms steps put a p99 of a few ms on a 1 ms grid (a
 * 10 ms gate read exactly 10.0). Go's clock, read through k6/execution. Take it once per VU:
 * each read of `exec.instance` builds a new object of five native getters, which was 40 % of
 * all k6 allocated while sockets echoed (its getters stay live on the one kept).
 */
function preciseClock(): () => number {
  const instance = exec.instance;
  return () => instance.currentTestRunDuration;
}

export interface SocketPlan {
  url: string;
  /** Connections in the whole test (all VUs, all k6 processes of a split run). */
  connections: number;
  /** VUs in the whole test; each holds every slots-th connection. */
  slots: number;
  rampMs: number;
  /** Handshakes one VU has under way at most before it waits to open the next (0: no limit). */
  maxConnecting: number;
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

/**
 * Calls `fire(i, due)` for each socket index i < count at `from + phase(i) + k * periodMs`
 * (k = 0, 1, ...), with one timer for all of them: sockets sorted by phase are due in that order
 * every period. The order is two typed arrays, not an object per socket (k6's JS objects cost
 * hundreds of bytes each). A schedule k6 falls behind on is caught up at most one round a turn of
 * the event loop, so the VU's other timers (the close) still run; the lateness is fire's to
 * measure. Returns its stop.
 */
function rota(
  count: number,
  phase: (i: number) => number,
  periodMs: number,
  from: number,
  fire: (i: number, due: number) => void,
): () => void {
  if (count === 0 || periodMs <= 0) return () => {};
  const phases = new Float64Array(count);
  for (let i = 0; i < count; i++) phases[i] = phase(i);
  const order = Int32Array.from({ length: count }, (_, i) => i).sort((a, b) => phases[a]! - phases[b]!);
  let n = 0;
  let base = from;
  let pending: TimeoutID;
  const dueOf = (k: number) => base + phases[order[k]!]!;
  const turn = () => {
    const now = Date.now();
    for (let done = 0; done < count && dueOf(n) <= now; done++) {
      fire(order[n]!, dueOf(n));
      if (++n === count) {
        n = 0;
        base += periodMs;
      }
    }
    pending = setTimeout(turn, Math.max(0, dueOf(n) - Date.now()));
  };
  pending = setTimeout(turn, Math.max(0, dueOf(0) - Date.now()));
  // Stopped at the close: a turn left waiting would keep the VU alive up to a period longer.
  return () => clearTimeout(pending);
}

// One socket's state, as bits of one byte in a per-VU array: a JS object per socket would cost
// more than everything it says.
const OPENED = 1;
const FAILED = 2;
const CLOSED = 4;
/** Set at the close: waiting for the echoes still owed before sending the close frame. */
const DRAINING = 8;
/** Set when the test ends before the handshake did: close as soon as it opens. */
const CLOSE_WHEN_OPEN = 16;
// An echo still owed this long after its send is counted lost when its socket needs the slot.
const OWED_FOR_MS = 10_000;

/**
 * Echoes one socket may owe at once (the slots of its ring of send times): OWED_FOR_MS of sends,
 * at least 4, at most 4,096 (8 bytes each; 32 MB for 1,000 sockets sending every millisecond).
 */
export const owedSlots = (sendEveryMs: number) => Math.min(4096, Math.max(4, Math.ceil(OWED_FOR_MS / sendEveryMs) + 1));

/** Runs this VU's share: call from a per-vu-iterations scenario with one iteration per VU. */
export function holdSlot(plan: SocketPlan): void {
  // Unique over the whole test, also when it is split with --execution-segment.
  const slot = exec.scenario.iterationInTest;
  const t0 = exec.scenario.startTime;
  // The close: HOLD after the ramp, or after this VU's last open if its ramp fell behind (k6 slow,
  // or maxConnecting waiting on the target), so every socket is held the whole HOLD.
  let closeAt = t0 + plan.rampMs + plan.holdMs;
  let closeTimer: TimeoutID | undefined;
  // Socket i of this VU is connection slot + i * slots of the test (socketsOfSlot). Its state is
  // in typed arrays indexed by i, and the shared handlers find i from the event's socket.
  const count = socketsOfSlot(plan, slot).length;
  const connectionOf = (i: number) => slot + i * plan.slots;
  const sockets: WebSocket[] = [];
  const indexOf = new Map<WebSocket, number>();
  const state = new Uint8Array(count);
  const sending = plan.sendEveryMs > 0;
  // Echoes owed: socket i's message n was sent at sentAt[i * ring + n % ring] (NaN: none owed
  // there). Echoes come back in order on a healthy connection, so `ring` slots cover them.
  const ring = sending ? owedSlots(plan.sendEveryMs) : 0;
  const sentAt = new Float64Array(count * ring).fill(NaN);
  const nextSeq = new Uint32Array(sending ? count : 0);
  const owed = new Uint16Array(sending ? count : 0);
  let closing = false;
  const preciseNow = preciseClock();
  // One sample of zero, so the gate reads 0 (not "no samples") when nothing closed early.
  wsUnexpectedCloses.add(0);

  const sendClose = (i: number) => {
    const ws = sockets[i]!;
    // Not close() while CONNECTING: in k6 v2.2.0 it blocks the VU until the handshake ends, and
    // forever if it fails (the close frame waits on a channel no writer will ever read).
    if (ws.readyState === CONNECTING) state[i]! |= CLOSE_WHEN_OPEN;
    else if (ws.readyState === OPEN) ws.close(1000, 'test over');
  };

  // Handshakes of this VU still under way, and whether an open waits for one of them to end.
  let connecting = 0;
  let waitingForHandshake = false;
  const handshakeEnded = () => {
    connecting--;
    if (waitingForHandshake) {
      waitingForHandshake = false;
      openDue();
    }
  };

  // The handlers, shared: each event names its socket (target).
  // A socket's events after its close (none are expected) find no state and are ignored.
  const indexFor = (e: unknown) => indexOf.get((e as { target: WebSocket }).target);
  const onOpen = (e?: unknown) => {
    const i = indexFor(e);
    if (i === undefined) return;
    state[i]! |= OPENED;
    wsEstablished.add(true);
    handshakeEnded();
    if (state[i]! & CLOSE_WHEN_OPEN) sendClose(i);
  };
  const onMessage = (e?: MessageEvent) => {
    const i = indexFor(e);
    if (i === undefined) return;
    const text = String(e?.data);
    const n = Number(text.slice(0, text.indexOf(' ')));
    const sent = nextSeq[i] ?? 0;
    const wasSent = Number.isInteger(n) && n >= 0 && n < sent;
    // Sent long enough ago that its slot was reused: already counted missing then.
    if (wasSent && n < sent - ring) return;
    const k = i * ring + (n % ring);
    // Tagged by what went wrong, so a failed gate says whether echoes were lost or garbled.
    if (!wasSent || Number.isNaN(sentAt[k]!)) return wsEchoOk.add(false, { echo: 'unexpected' });
    const at = sentAt[k]!;
    sentAt[k] = NaN;
    owed[i]!--;
    if (text === message(n, at, plan.messageBytes)) wsEchoOk.add(true);
    else wsEchoOk.add(false, { echo: 'wrong' });
    wsEchoRtt.add(preciseNow() - at);
    if (state[i]! & DRAINING && owed[i] === 0) sendClose(i);
  };
  const onError = (e?: ErrorEvent) => {
    const i = indexFor(e);
    if (i === undefined || state[i]! & (OPENED | FAILED)) return;
    state[i]! |= FAILED;
    wsEstablished.add(false);
    failedRequests.add(1, { failure_mode: classify({ status: 0, error: e?.error ?? 'unknown WebSocket error' }) ?? 'other' });
    handshakeEnded();
  };
  const onClose = (e?: unknown) => {
    const i = indexFor(e);
    if (i === undefined) return;
    state[i]! |= CLOSED;
    // Echoes still owed when the connection ends are lost messages.
    for (let n = 0; n < (owed[i] ?? 0); n++) wsEchoOk.add(false, { echo: 'missing' });
    if (sending) {
      owed[i] = 0;
      sentAt.fill(NaN, i * ring, (i + 1) * ring);
    }
    if (state[i]! & OPENED && !closing) wsUnexpectedCloses.add(1);
    indexOf.delete(sockets[i]!);
  };

  // Opens, in order over the ramp: connection g at g / connections of it. With maxConnecting, a
  // VU opens no more while that many of its handshakes are under way: the ramp then goes at the
  // pace the target accepts, and the handshakes waiting at its accept queue are bounded by
  // VUs × maxConnecting instead of overflowing it (the kernel drops what does not fit).
  let next = 0;
  const openAt = (i: number) => t0 + Math.floor((connectionOf(i) / plan.connections) * plan.rampMs);
  function openDue(): void {
    if (closing || next === count) return;
    for (; next < count && openAt(next) <= Date.now(); next++) {
      if (plan.maxConnecting > 0 && connecting >= plan.maxConnecting) {
        waitingForHandshake = true;
        return;
      }
      wsOpenLag.add(Math.max(0, Date.now() - openAt(next)));
      const ws = new WebSocket(plan.url);
      connecting++;
      indexOf.set(ws, next);
      sockets.push(ws);
      ws.onopen = onOpen;
      ws.onmessage = onMessage;
      ws.onerror = onError;
      ws.onclose = onClose;
    }
    if (next < count) setTimeout(openDue, Math.max(0, openAt(next) - Date.now()));
    else scheduleClose(Math.max(closeAt, Date.now() + plan.holdMs));
  }
  setTimeout(openDue, Math.max(0, openAt(0) - Date.now()));

  const live = (i: number) => i < sockets.length && (state[i]! & (OPENED | CLOSED)) === OPENED && sockets[i]!.readyState === OPEN;
  const phaseOfSocket = (periodMs: number) => (i: number) => phaseOf(connectionOf(i), periodMs);
  const stops: (() => void)[] = [];
  if (plan.pingEveryMs > 0) {
    // k6 times each ping to its pong itself, by ping id: its built-in ws_ping metric.
    stops.push(rota(count, phaseOfSocket(plan.pingEveryMs), plan.pingEveryMs, t0, (i) => live(i) && sockets[i]!.ping()));
  }
  const quietMs = Math.min(ECHO_QUIET_MS, plan.sendEveryMs, plan.holdMs / 4);
  if (sending) {
    const send = (i: number, due: number) => {
      if (!live(i) || due >= closeAt - quietMs) return;
      wsSendLag.add(Math.max(0, Date.now() - due));
      const n = nextSeq[i]!;
      nextSeq[i] = n + 1;
      const k = i * ring + (n % ring);
      // The slot still holds an echo `ring` sends old: it is counted lost now, as the slot is needed.
      if (!Number.isNaN(sentAt[k]!)) {
        wsEchoOk.add(false, { echo: 'missing' });
        owed[i]!--;
      }
      const at = preciseNow();
      sentAt[k] = at;
      owed[i]!++;
      sockets[i]!.send(message(n, at, plan.messageBytes));
    };
    stops.push(rota(count, phaseOfSocket(plan.sendEveryMs), plan.sendEveryMs, t0 + plan.sendFromMs, send));
  }

  const close = () => {
    closing = true;
    for (const stop of stops) stop();
    let waiting = false;
    for (let i = 0; i < sockets.length; i++) {
      if (sending && owed[i]! > 0 && sockets[i]!.readyState === OPEN) {
        // Echoes still on their way are waited for (up to ECHO_DRAIN_MS), not counted lost.
        state[i]! |= DRAINING;
        waiting = true;
      } else sendClose(i);
    }
    if (waiting) {
      setTimeout(() => {
        for (let i = 0; i < sockets.length; i++) if (state[i]! & DRAINING) sendClose(i);
      }, ECHO_DRAIN_MS);
    }
  };
  // Called once this VU's last socket is opened (or at once, with none): the close moves later
  // only when the ramp ran late.
  function scheduleClose(at: number): void {
    closeAt = at;
    // Cleared, or the VU would wait for it long after its sockets closed.
    clearTimeout(rampDeadline);
    if (closeTimer !== undefined) clearTimeout(closeTimer);
    closeTimer = setTimeout(close, Math.max(0, closeAt - Date.now()));
  }
  // A ramp still held back at twice its length plus HOLD (handshakes that never end fill
  // maxConnecting) stops there: the sockets it never reached count as not established, and the
  // ones open are closed.
  const rampDeadline = setTimeout(
    () => {
      for (; next < count; next++) wsEstablished.add(false, { open: 'not_reached' });
      scheduleClose(Date.now());
    },
    Math.max(0, t0 + 2 * plan.rampMs + plan.holdMs - Date.now()),
  );
  if (count === 0) scheduleClose(closeAt);
}
