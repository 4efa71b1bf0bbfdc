// A user behind a load balancer, as the client sees it: each answer names its replica in a
// header, so the share each replica gets and whether a user stays on one replica are measured
// where the user is, whatever the balancer and the replicas are.
import http from 'k6/http';
import { sleep } from 'k6';
import { Rate, Trend } from 'k6/metrics';
import { headerOf } from '../http-headers.ts';
import { trackFailure } from './metrics.ts';

/** Per replica (tag replica): the share of answers it gave. Tagged strategy by the scenario. */
export const replicaShare = new Rate('lb_replica_share');
/**
 * The slow replica's share of answers in units of its even share (1 / replicas): each answer adds
 * the number of replicas if the slow one gave it, else 0, so the average is share x replicas.
 * 1 is its even share, whatever the number of replicas; least_conn keeps it well under.
 */
export const slowReplicaShareOfEven = new Trend('lb_slow_replica_share_of_even');
/** Per answer after a user's first: whether it came from another replica than the user's last. */
export const userMoved = new Rate('lb_user_moved');
/** Answers that named no replica known to REPLICAS: such a run cannot say where users went. */
export const replicaUnnamed = new Rate('lb_replica_unnamed');

export interface LbUser {
  url: string;
  /** Where this user's answers are remembered: one strategy's run. */
  strategy: string;
  user: string;
  userHeader: string;
  replicaHeader: string;
  replicas: readonly string[];
  slowReplica: string;
  timeout: string;
  /** Seconds between a user's requests while answers come fast. */
  pace: number;
}

// Module state is per VU, and a VU is one user: its last replica, per strategy.
const lastReplica: Record<string, string> = {};

/** One request of a user, then the rest of its pace: a slow answer delays the user's next one. */
export function userTurn(u: LbUser): void {
  const started = Date.now();
  const res = http.get(u.url, { headers: { [u.userHeader]: u.user }, timeout: u.timeout });
  trackFailure(res);
  const replica = headerOf(res.headers, u.replicaHeader);
  // No answer from a replica (a timeout, the balancer's own error) says nothing about where it went.
  if (replica !== undefined || res.status !== 0) {
    const known = replica !== undefined && u.replicas.includes(replica);
    replicaUnnamed.add(!known);
    if (known) {
      for (const r of u.replicas) replicaShare.add(r === replica, { replica: r });
      if (u.slowReplica !== '') slowReplicaShareOfEven.add(replica === u.slowReplica ? u.replicas.length : 0);
      const last = lastReplica[u.strategy];
      if (last !== undefined) userMoved.add(last !== replica);
      lastReplica[u.strategy] = replica;
    }
  }
  const left = u.pace - (Date.now() - started) / 1000;
  if (left > 0) sleep(left);
}
