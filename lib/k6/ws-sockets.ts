// Many WebSockets per VU (k6/websockets runs them all on the VU's event loop): each VU opens
// its share of the test's connections spread evenly over the ramp, keeps them open with pings
// and echo checks, and closes them cleanly at the end. A VU with one socket each would cost
// 1-5 MB per connection; this costs what the sockets cost.
import exec from 'k6/execution';
import { Counter, Rate, Trend } from 'k6/metrics';
import { clearInterval, clearTimeout, setInterval, setTimeout, type IntervalID, type TimeoutID } from 'k6/timers';
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

// How long the close waits for echoes already sent: far above any healthy round trip.
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

/** A message of exactly `bytes` bytes that names its send time (preciseNow), so the echo can be checked and timed. */
export function message(seq: number, sentAt: number, bytes: number): string {
  const head = `${seq} ${sentAt} `;
  return head + 'x'.repeat(Math.max(0, bytes - head.length));
}

/** Runs this VU's share: call from a per-vu-iterations scenario with one iteration per VU. */
export function holdSlot(plan: SocketPlan): void {
  // Unique over the whole test, also when it is split with --execution-segment.
  const slot = exec.scenario.iterationInTest;
  const t0 = exec.scenario.startTime;
  const closeAt = t0 + plan.rampMs + plan.holdMs;
  const sockets: OpenSocket[] = [];
  let closing = false;
  // One sample of zero, so the gate reads 0 (not "no samples") when nothing closed early.
  wsUnexpectedCloses.add(0);

  for (const g of socketsOfSlot(plan, slot)) {
    const openAt = t0 + Math.floor((g / plan.connections) * plan.rampMs);
    setTimeout(
      () => {
        if (!closing) sockets.push(openSocket(plan, g, () => closing));
      },
      Math.max(0, openAt - Date.now()),
    );
  }
  setTimeout(
    () => {
      closing = true;
      for (const s of sockets) s.close();
    },
    Math.max(0, closeAt - Date.now()),
  );
}

interface OpenSocket {
  /** Stops its pings and sends, then sends the close frame (1000). */
  close(): void;
}

function openSocket(plan: SocketPlan, g: number, closing: () => boolean): OpenSocket {
  const ws = new WebSocket(plan.url);
  let opened = false;
  let failed = false;
  let seq = 0;
  const pending = new Map<number, string>();
  let pinging: IntervalID | undefined;
  let nextSend: TimeoutID | undefined;
  // Set by close(): waiting for the echoes still owed before sending the close frame.
  let draining = false;
  // Set when the test ends before the handshake did: close as soon as it opens.
  let closeWhenOpen = false;

  ws.onopen = () => {
    opened = true;
    wsEstablished.add(true);
    if (closeWhenOpen) return sendClose();
    if (plan.pingEveryMs > 0) {
      // k6 times each ping to its pong itself, by ping id: its built-in ws_ping metric.
      pinging = setInterval(() => ws.readyState === OPEN && ws.ping(), plan.pingEveryMs);
    }
    if (plan.sendEveryMs > 0) {
      // Sockets start sending at evenly spread phases, so the total rate is smooth, not bursts.
      const phase = (g * 7919) % plan.sendEveryMs;
      const first = Math.max(0, exec.scenario.startTime + plan.sendFromMs + phase - Date.now());
      // Each send books the next at the ideal time, so k6's timer drift does not pile up as lag.
      let due = Date.now() + first;
      const send = () => {
        if (ws.readyState !== OPEN) return;
        wsSendLag.add(Math.max(0, Date.now() - due));
        const text = message(seq, preciseNow(), plan.messageBytes);
        pending.set(seq++, text);
        ws.send(text);
        due += plan.sendEveryMs;
        nextSend = setTimeout(send, Math.max(0, due - Date.now()));
      };
      nextSend = setTimeout(send, first);
    }
  };
  ws.onmessage = (e?: MessageEvent) => {
    const text = String(e?.data);
    const space = text.indexOf(' ');
    const n = Number(text.slice(0, space));
    const sent = pending.get(n);
    if (sent === undefined) return wsEchoOk.add(false);
    pending.delete(n);
    wsEchoOk.add(text === sent);
    wsEchoRtt.add(preciseNow() - Number(text.slice(space + 1, text.indexOf(' ', space + 1))));
    if (draining && pending.size === 0) {
      stopTimers();
      sendClose();
    }
  };
  ws.onerror = (e?: ErrorEvent) => {
    if (opened || failed) return;
    failed = true;
    wsEstablished.add(false);
    failedRequests.add(1, { failure_mode: classify({ status: 0, error: e?.error ?? 'unknown WebSocket error' }) ?? 'other' });
  };
  const stopTimers = () => {
    if (pinging !== undefined) clearInterval(pinging);
    if (nextSend !== undefined) clearTimeout(nextSend);
  };
  ws.onclose = () => {
    stopTimers();
    // Echoes still owed when the connection ends are lost messages.
    for (let i = 0; i < pending.size; i++) wsEchoOk.add(false);
    pending.clear();
    if (opened && !closing()) wsUnexpectedCloses.add(1);
  };
  const sendClose = () => {
    // Not close() while CONNECTING: in k6 v2.2.0 it blocks the VU until the handshake ends, and
    // forever if it fails (the close frame waits on a channel no writer will ever read).
    if (ws.readyState === CONNECTING) closeWhenOpen = true;
    else if (ws.readyState === OPEN) ws.close(1000, 'test over');
  };
  return {
    close() {
      stopTimers();
      if (pending.size === 0) return sendClose();
      // Echoes still on their way are waited for (up to ECHO_DRAIN_MS), not counted lost.
      draining = true;
      nextSend = setTimeout(sendClose, ECHO_DRAIN_MS);
    },
  };
}
