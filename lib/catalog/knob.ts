// A knob declared once: how its `-e KEY=value` parses (lib/options.ts), what it means in one
// line, and its default per profile. The scenario reads it (lib/k6/scenario.ts), the docs
// tables are generated from it (npm run docs), and a test fails when they disagree.
import type { Knob } from '../options.ts';
import type { TargetName } from '../reference-targets.ts';

export const PROFILES = ['full', 'smoke'] as const;
export type Profile = (typeof PROFILES)[number];

/** A default as written in a declaration: parsed by the knob's own parser, like a user's value. */
export type Raw = string | number | boolean;

/** A knob's defaults, per profile. */
export interface Defaults {
  /** The default of the full profile (the size the study asks for); none: the user must give it. */
  readonly full?: Raw;
  /** The smoke profile's default (a CI-sized run of seconds), where it differs from `full`. */
  readonly smoke?: Raw;
  /** How the docs show a default computed at run time (BASE_URL: the scenario's reference target). */
  readonly shown?: string;
}

export interface KnobDecl<T = unknown> extends Knob<T>, Defaults {
  /** What it is for, one line, for the docs tables. */
  readonly meaning: string;
}

export type KnobDecls = Record<string, KnobDecl>;

/** Declares a knob: its parser, its meaning and its defaults. */
export function knob<T>(parser: Knob<T>, meaning: string, defaults: Defaults = {}): KnobDecl<T> {
  return { allowed: parser.allowed, parse: parser.parse, meaning, ...defaults };
}

/** The same knob with a scenario's own defaults (a shared knob, e.g. STAGES, sized per scenario). */
export function withDefaults<T>(decl: KnobDecl<T>, defaults: Defaults): KnobDecl<T> {
  const { full: _full, smoke: _smoke, shown: _shown, ...rest } = decl;
  return { ...rest, ...defaults };
}

/** Each knob's default in `profile` (smoke falls back to full), leaving out knobs with none. */
export function defaultsFor(decls: KnobDecls, profile: Profile): Record<string, Raw> {
  const out: Record<string, Raw> = {};
  for (const [key, d] of Object.entries(decls)) {
    const value = profile === 'smoke' && d.smoke !== undefined ? d.smoke : d.full;
    if (value !== undefined) out[key] = value;
  }
  return out;
}

/** A scenario as the docs and the tools know it, and the knobs it reads besides the common ones. */
export interface ScenarioDecl<S extends KnobDecls = KnobDecls> {
  /** scenarios/<name>.ts, dist/<name>.js, its section of thresholds.json, docs/<name>.md. */
  name: string;
  /** Its default BASE_URL, and what `npm run demo -- <name>` and fanout start. */
  target: TargetName;
  /** The question it answers, one line, for the README's table. */
  question: string;
  /** The load it sends, one line, for the README's table. */
  load: string;
  /**
   * The source addresses its roles need, as k6's --local-ips takes them (a script cannot set
   * that option): what the demo passes and what the scenario tells a user to pass.
   */
  localIps?: string;
  knobs: S;
}

/** Declares a scenario (a checked shape that keeps each knob's type for defineScenario). */
export function declareScenario<S extends KnobDecls>(decl: ScenarioDecl<S>): ScenarioDecl<S> {
  return decl;
}
