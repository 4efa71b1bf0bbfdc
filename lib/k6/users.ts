// Spreads an arrival-rate scenario's iterations over named users, each its equal share.
import exec from 'k6/execution';

/**
 * The user of this iteration: `user-001`... Arrivals are evenly spaced, so iteration i going to
 * user i mod users gives each user every users-th slot, i.e. exactly its rate. iterationInTest
 * is the iteration's index in the whole test, also under --execution-segment, so a test split
 * over several k6 processes gives each user the same slots.
 */
export function currentUser(users: number): string {
  return `user-${String((exec.scenario.iterationInTest % users) + 1).padStart(String(users).length, '0')}`;
}
