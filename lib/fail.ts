// How the pack stops a test over bad input: one clear message, no stack trace.

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
