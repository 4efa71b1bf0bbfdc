// What the ws target's primary and its workers say to each other over the cluster's IPC channel.

/** The environment variable that carries a worker's configuration (JSON). */
export const WS_WORKER_ENV = 'FLOODGATE_WS_WORKER';

export interface WsWorkerConfig {
  index: number;
  host: string;
  port: number;
  heartbeatMs: number;
  dropPermille: number;
  dropAfterMs: number;
  echoDelayMs: number;
  kbPerConnection: number;
  /** --fault corrupt-echoes: every hundredth echo comes back altered. */
  corruptEchoes: boolean;
}

export type WsMessage =
  // worker → primary: /metrics was asked of this worker; the primary holds the aggregate.
  | { type: 'metrics-request'; id: number }
  | { type: 'metrics-response'; id: number; text?: string; error?: string }
  // worker → primary: it could not listen (EADDRINUSE, EACCES...), and exits.
  | { type: 'listen-error'; code: string; message: string }
  // primary → worker: close every client with 1001, wait for them up to the deadline, exit.
  | { type: 'shutdown'; deadlineMs: number };
