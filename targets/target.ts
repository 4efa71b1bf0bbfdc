// The shape of a reference target module, as the CLI and the tests see it.
import type { TargetName } from '../lib/reference-targets.ts';

export type FlagValue = number | boolean | string;

/** A target-specific command-line flag (`--delay-ms 200`), with its default per mode. */
export interface TargetFlag {
  describe: string;
  type: 'number' | 'boolean' | 'string';
  defaults: Record<string, FlagValue>;
  /** For a string flag, the values it takes (none: any non-empty text). */
  choices?: readonly string[];
}

export interface RunningTarget {
  url: string;
  port: number;
  /** Stops accepting, lets in-flight work finish up to `deadlineMs`, then cuts the rest. */
  close(deadlineMs: number): Promise<void>;
}

export interface TargetModule {
  name: TargetName;
  /** Modes, the first the default: the healthy or protected one first, then the failure. */
  modes: readonly string[];
  describe: Record<string, string>;
  flags: Record<string, TargetFlag>;
  /**
   * Faults (`--fault a,b`), by name: a defect real services have that no mode shows, added on top
   * of a mode so that each gate of the scenario can be driven red. What each does, for --help.
   */
  faults?: Record<string, string>;
  start(o: {
    mode: string;
    host: string;
    port: number;
    flags: Record<string, FlagValue>;
    faults: ReadonlySet<string>;
  }): Promise<RunningTarget>;
}
