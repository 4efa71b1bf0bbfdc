// Figures the probe derives from a service's Prometheus counters, scrape by scrape: how much one
// counter grew per unit of another (CPU per request), how much a counter grew within the last
// window (fetches per minute), and how much it grew since the run began. Each is stateful (the
// scrapes before) and pure: unit-tested in Node.

/** A counter that went down: the process restarted, so earlier readings say nothing. */
const restarted = (now: number, before: number) => now < before;

/**
 * Growth of `numerator` over growth of `denominator` between consecutive scrapes, once the
 * denominator has grown by at least `minDenominator` (fewer are noise: a scrape's own cost).
 * Until then the readings accumulate; undefined on the first scrape and while they do.
 */
export function perIncrement(minDenominator: number): (numerator: number, denominator: number) => number | undefined {
  let from: { num: number; den: number } | undefined;
  return (num, den) => {
    if (!from || restarted(num, from.num) || restarted(den, from.den)) {
      from = { num, den };
      return undefined;
    }
    const grown = den - from.den;
    if (grown < minDenominator) return undefined;
    const ratio = (num - from.num) / grown;
    from = { num, den };
    return ratio;
  };
}

/**
 * The scrapes a window of `seconds` reaches back to: given each reading, the latest earlier one at
 * least that old (or the first, while the run is younger), forgetting those before a restart.
 */
function windowStart(seconds: number): (value: number, atMs: number) => { value: number; at: number } {
  const history: { value: number; at: number }[] = [];
  return (value, at) => {
    if (history.length > 0 && restarted(value, history[history.length - 1]!.value)) history.length = 0;
    history.push({ value, at });
    while (history.length > 2 && history[1]!.at <= at - seconds * 1000) history.shift();
    return history[0]!;
  };
}

/**
 * How much a counter grew within the last `seconds`: its value now minus its value at the latest
 * scrape at least that old, or at the first scrape while the run is younger than the window.
 */
export function trailingWindow(seconds: number): (value: number, atMs: number) => number {
  const start = windowStart(seconds);
  return (value, at) => value - start(value, at).value;
}

/** How much a counter grew since the first scrape. */
export function sinceFirst(): (value: number) => number {
  let first: number | undefined;
  return (value) => {
    if (first === undefined || restarted(value, first)) first = value;
    return value - first;
  };
}

/**
 * A counter's growth per second over the last `windowSeconds` of scrapes: from the latest
 * scrape at least that old to now; undefined until the run has lasted that long, and after a
 * restart until it has again. A window of several scrapes keeps one scrape's delay from
 * passing for a change of rate.
 */
export function ratePerSecond(windowSeconds: number): (value: number, atMs: number) => number | undefined {
  const start = windowStart(windowSeconds);
  return (value, at) => {
    const from = start(value, at);
    if (at - from.at < windowSeconds * 1000 || at <= from.at) return undefined;
    return (value - from.value) / ((at - from.at) / 1000);
  };
}

/**
 * One counter's growth over another's since the first scrape, once the second has grown by at
 * least `minDenominator` (origin queries per expiry, once a few expiries are in: one query
 * counted a moment before its expiry would read as two for the first).
 */
export function ratioSinceFirst(minDenominator: number): (numerator: number, denominator: number) => number | undefined {
  let first: { num: number; den: number } | undefined;
  return (num, den) => {
    if (!first || restarted(num, first.num) || restarted(den, first.den)) first = { num, den };
    const grown = den - first.den;
    return grown < minDenominator ? undefined : (num - first.num) / grown;
  };
}
