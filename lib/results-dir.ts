// Whether the results directory exists, judged in k6's init context before any load: k6 writes
// handleSummary's files only after the run and, when it cannot, logs one line and keeps its exit
// code, so a missing directory would lose the JSON and JUnit silently. k6 v2.2.0 gives a script no
// stat() and no write in the init context; open() is what there is: on a directory it throws
// "can't be used with directories", on a missing path the OS's "no such file or directory".
// Pure (open() is passed in), so it is unit-tested in Node.

export type ResultsDirCheck =
  /** It is a directory: the summary can name the files it writes there. */
  | { state: 'exists'; path: string }
  /** Not knowable here: a relative path with no PWD, or a run from a k6 archive (its own file system). */
  | { state: 'unknown'; path: string }
  | { state: 'refused'; path: string; why: string };

/**
 * `given` as k6 writes it (relative paths against the working directory, which k6 passes on as
 * PWD), checked with `open`, which returns a file's text or throws.
 */
export function checkResultsDir(given: string, pwd: string | undefined, open: (path: string) => unknown): ResultsDirCheck {
  if (given === '.' || given === './') return { state: 'exists', path: given };
  const path = given.startsWith('/') ? given : pwd ? `${pwd.replace(/\/+$/, '')}/${given}` : undefined;
  if (path === undefined) return { state: 'unknown', path: given };
  try {
    open(path);
  } catch (err) {
    const message = String(err).replace(/^GoError: /, '');
    if (/can't be used with directories/.test(message)) return { state: 'exists', path };
    if (/no such file or directory/.test(message)) return { state: 'refused', path, why: 'no such directory' };
    if (/not a directory/.test(message)) return { state: 'refused', path, why: 'a part of the path is a file, not a directory' };
    if (/permission denied/.test(message)) return { state: 'refused', path, why: 'permission denied' };
    // A k6 archive's own file system ("file does not exist" for any path it did not capture): the
    // directory is on the machine that runs it, which this cannot see.
    return { state: 'unknown', path };
  }
  return { state: 'refused', path, why: 'it is a file, not a directory' };
}
