// The licences of everything the pack installs or builds: the npm packages (from each package's
// own metadata, as `npm query` reads it) and the Go modules compiled into each Go program the pack
// builds (from the licence file each module ships). The project takes no AGPL, GPL or SSPL
// module, and a licence nobody can name is refused too (DESIGN rule 11).
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import parseSpdx from 'spdx-expression-parse';
import { repoRoot } from './paths.mjs';

/** Licences the pack may take: permissive, or copyleft limited to the file (MPL-2.0). */
export const ALLOWED = new Set([
  '0BSD',
  'Apache-2.0',
  'BlueOak-1.0.0',
  'BSD-2-Clause',
  'BSD-3-Clause',
  'CC0-1.0',
  'CC-BY-3.0',
  'CC-BY-4.0',
  'ISC',
  'MIT',
  'MIT-0',
  'MPL-2.0',
  'Python-2.0',
  'Unlicense',
]);

// Strong copyleft (AGPL, GPL, LGPL in every version and suffix) and SSPL: named as such.
const COPYLEFT = /^(A|L)?GPL-|^SSPL-/;

export interface LicenceVerdict {
  ok: boolean;
  /** Why not, when not ok: the licence is copyleft, or not one anybody can name. */
  reason?: string;
}

/** Reads a package's licence field: an SPDX expression, or the older `{type}` and `licenses: [...]` forms. */
export function licenceField(pkg: { license?: unknown; licenses?: unknown }): string | undefined {
  const one = (v: unknown) => (typeof v === 'string' ? v : typeof v === 'object' && v !== null ? (v as { type?: string }).type : undefined);
  if (pkg.license !== undefined) return one(pkg.license);
  if (Array.isArray(pkg.licenses)) {
    const all = pkg.licenses.map(one);
    return all.every((x) => x) ? `(${all.join(' OR ')})` : undefined;
  }
  return undefined;
}

type Spdx = { license: string; plus?: boolean; exception?: string } | { left: Spdx; conjunction: 'and' | 'or'; right: Spdx };

/** Whether an SPDX expression may be taken: under OR one allowed side suffices, under AND every side must be. */
export function judgeLicence(expression: string | undefined): LicenceVerdict {
  if (expression === undefined || expression.trim() === '') return { ok: false, reason: 'no licence stated (unknown)' };
  let tree: Spdx;
  try {
    tree = parseSpdx(expression) as Spdx;
  } catch {
    return { ok: false, reason: `"${expression}" is not an SPDX licence expression (unknown)` };
  }
  const walk = (t: Spdx): LicenceVerdict => {
    if ('license' in t) {
      if (COPYLEFT.test(t.license)) return { ok: false, reason: `${t.license} is copyleft (AGPL, GPL or SSPL)` };
      if (!ALLOWED.has(t.license)) return { ok: false, reason: `${t.license} is not a licence on the pack's list (unknown)` };
      return { ok: true };
    }
    const [l, r] = [walk(t.left), walk(t.right)];
    if (t.conjunction === 'or') return l.ok ? l : r.ok ? r : l;
    return l.ok ? r : l;
  };
  return walk(tree);
}

export interface Dependency {
  name: string;
  version: string;
  licence: string | undefined;
  verdict: LicenceVerdict;
}

/** Every npm package installed for the pack (dependencies and devDependencies, all depths), the pack itself left out. */
export function npmDependencies(cwd = repoRoot): Dependency[] {
  const r = spawnSync('npm', ['query', '*'], { cwd, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`npm query failed: ${r.stderr}`);
  const pkgs = JSON.parse(r.stdout) as { name: string; version: string; location: string; license?: unknown; licenses?: unknown }[];
  return pkgs
    .filter((p) => p.location !== '')
    .map((p) => {
      const licence = licenceField(p);
      return { name: p.name, version: p.version, licence, verdict: judgeLicence(licence) };
    });
}

// Each licence by the words its text is known by. Licence texts quote each other (the GPL-3.0
// names the AGPL, the MPL-2.0 names the GPL family as secondary licences), so the name found
// earliest in the file, its title, decides.
const TITLES: [RegExp, string | ((t: string) => string)][] = [
  [/GNU AFFERO GENERAL PUBLIC LICENSE/i, 'AGPL-3.0'],
  [/GNU LESSER GENERAL PUBLIC LICENSE/i, (t) => (/Version 2\.1/i.test(t) ? 'LGPL-2.1' : 'LGPL-3.0')],
  [/GNU GENERAL PUBLIC LICENSE/i, (t) => (/Version 2,/i.test(t) ? 'GPL-2.0' : 'GPL-3.0')],
  [/Server Side Public License/i, 'SSPL-1.0'],
  [/Apache License,? Version 2\.0/i, 'Apache-2.0'],
  [/Mozilla Public License,? (version )?2\.0/i, 'MPL-2.0'],
  [/Permission is hereby granted, free of charge, to any person obtaining a copy/i, 'MIT'],
  [
    /Redistribution and use in source and binary forms/i,
    (t) => (/Neither the name|names of its contributors may be used/i.test(t) ? 'BSD-3-Clause' : 'BSD-2-Clause'),
  ],
  [/Permission to use, copy, modify, and(\/or)? distribute this software for any purpose/i, 'ISC'],
  [/This is free and unencumbered software released into the public domain/i, 'Unlicense'],
];

/** Names the licence of a licence file's text (an SPDX id), or undefined when none is recognised. */
export function licenceOfText(text: string): string | undefined {
  const t = text.replace(/\s+/g, ' ');
  let best: { at: number; name: string } | undefined;
  for (const [title, name] of TITLES) {
    const at = t.search(title);
    if (at >= 0 && (best === undefined || at < best.at)) best = { at, name: typeof name === 'string' ? name : name(t) };
  }
  return best?.name;
}

const LICENCE_FILE = /^(LICEN[CS]E|COPYING)(\.(md|txt))?$|^LICEN[CS]E[-_.]/i;

/** The licence of a Go module's source directory, from the licence file at its root. */
export function goModuleLicence(dir: string): string | undefined {
  if (!existsSync(dir)) return undefined;
  const files = readdirSync(dir)
    .filter((f) => LICENCE_FILE.test(f))
    .sort();
  for (const f of files) {
    const found = licenceOfText(readFileSync(join(dir, f), 'utf8'));
    if (found) return found;
  }
  return undefined;
}

/**
 * The modules compiled into the package `pkg` (default: the module's own, `.`) of the Go module
 * at `dir`, with their licences: `go list -deps`, so test-only and unused requirements do not count.
 * The module at `dir` itself (the pack's own Go code) is left out.
 */
export function goBuildDependencies(dir: string, pkg = '.'): Dependency[] {
  const r = spawnSync(
    'go',
    ['list', '-deps', '-f', '{{with .Module}}{{if not .Main}}{{.Path}}\t{{.Version}}\t{{.Dir}}{{end}}{{end}}', pkg],
    {
      cwd: dir,
      encoding: 'utf8',
    },
  );
  if (r.status !== 0) throw new Error(`go list -deps ${pkg} in ${dir} failed: ${r.stderr}`);
  const seen = new Map<string, Dependency>();
  for (const line of r.stdout.split('\n').filter(Boolean)) {
    const [name, version, moduleDir] = line.split('\t') as [string, string, string];
    if (seen.has(name)) continue;
    const licence = goModuleLicence(moduleDir);
    seen.set(name, { name, version, licence, verdict: judgeLicence(licence) });
  }
  return [...seen.values()];
}
