// How the pack reports bad input: one clear message, no stack trace. fail() stops a k6 test;
// UsageError is a bad command line of one of the pack's Node CLIs (exit 2 and the usage).

/** Prefix of every message the pack prints for bad input, so users can grep for it. */
export const PREFIX = 'floodgate:';

/**
 * Stops the test. k6 prints a thrown string as-is (exit 107, before any VU starts when thrown
 * at init), whereas a thrown Error adds a stack into the bundle that says nothing to a user.
 */
export function fail(message: string): never {
  // eslint-disable-next-line no-throw-literal -- deliberate: see above
  throw `${PREFIX} ${message}`;
}

/** A bad command line: the CLI prints the message and its usage, and exits 2. */
export class UsageError extends Error {}
