// Where a result came from, kept in every results file so two runs can be compared for what they
// are: the pack's commit (and whether the tree had changes), the k6 that ran it, the machine, the
// scenario, profile and every knob, the run's testid, and when it started and ended. A fact the run
// could not know is "unknown", never guessed: a plain `k6 run` knows no machine, a bundle built
// outside a git clone no commit. Pure: unit-tested in Node.

export const UNKNOWN = 'unknown';

export interface Provenance {
  /** The pack's git commit the bundle was built from. */
  commit: string;
  /** Whether tracked files differed from that commit when it was built. */
  dirty: boolean | typeof UNKNOWN;
  /** `k6 version`'s line: its version, Go and platform. */
  k6: string;
  machine: { cores: number | typeof UNKNOWN; memoryBytes: number | typeof UNKNOWN; kernel: string };
  scenario: string;
  profile: string;
  /** Every knob's value in this run, defaults included, as text. */
  knobs: Record<string, string>;
  /** k6's --tag testid, which the InfluxDB samples carry too. */
  testid: string;
  startedAt: string;
  endedAt: string;
}

/** What build.mjs bakes into a bundle (esbuild define). */
export interface BuildFacts {
  commit: string;
  dirty: boolean;
}

/** The machine as the pack's commands describe it to k6 (FLOODGATE_MACHINE, JSON). */
export interface MachineFacts {
  cores: number;
  memoryBytes: number;
  kernel: string;
}

const knobText = (v: unknown): string =>
  typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' ? String(v) : JSON.stringify(v);

function machineOf(text: string | undefined): Provenance['machine'] {
  try {
    const m = JSON.parse(text ?? '') as Partial<MachineFacts>;
    return {
      cores: typeof m.cores === 'number' ? m.cores : UNKNOWN,
      memoryBytes: typeof m.memoryBytes === 'number' ? m.memoryBytes : UNKNOWN,
      kernel: typeof m.kernel === 'string' ? m.kernel : UNKNOWN,
    };
  } catch {
    return { cores: UNKNOWN, memoryBytes: UNKNOWN, kernel: UNKNOWN };
  }
}

export function provenanceOf(o: {
  build: BuildFacts | undefined;
  env: Readonly<Record<string, string | undefined>>;
  scenario: string;
  profile: string;
  knobs: Readonly<Record<string, unknown>>;
  testid: string | undefined;
  end: Date;
  durationMs: number;
}): Provenance {
  return {
    commit: o.build?.commit || UNKNOWN,
    dirty: o.build ? o.build.dirty : UNKNOWN,
    k6: o.env.FLOODGATE_K6 || UNKNOWN,
    machine: machineOf(o.env.FLOODGATE_MACHINE),
    scenario: o.scenario,
    profile: o.profile,
    knobs: Object.fromEntries(Object.entries(o.knobs).map(([k, v]) => [k, knobText(v)])),
    testid: o.testid || UNKNOWN,
    startedAt: new Date(o.end.getTime() - o.durationMs).toISOString(),
    endedAt: o.end.toISOString(),
  };
}
