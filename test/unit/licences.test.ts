// Licences (DESIGN rule 11): the pack is Apache-2.0, runs k6 (AGPL-3.0) only as a separate,
// unmodified program, and takes no AGPL, GPL or SSPL module, nor one whose licence nobody can
// name, among its npm packages or the Go modules compiled into the programs it builds.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { goModuleDirs } from '../../harness/go-modules.mjs';
import { ensureGoTool, goToolModule, GO_TOOLS, type GoToolName } from '../../harness/go-tool.mjs';
import {
  goBuildDependencies,
  judgeLicence,
  licenceField,
  licenceOfText,
  npmDependencies,
  type Dependency,
} from '../../harness/licences.ts';
import { repoRoot } from '../helpers/k6.ts';

const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8');
const refused = (deps: Dependency[]) => deps.filter((d) => !d.verdict.ok).map((d) => `${d.name}@${d.version}: ${d.verdict.reason}`);

test('no go.mod in the repository requires go.k6.io/k6: no Go code of ours is compiled into k6', () => {
  const dirs = goModuleDirs();
  assert.ok(dirs.includes('targets/slow-upstream-go'), `the walk found the Go modules: ${dirs.join(', ')}`);
  for (const dir of dirs) {
    const mod = readFileSync(join(repoRoot, dir, 'go.mod'), 'utf8');
    assert.doesNotMatch(mod, /go\.k6\.io\/k6/, `${dir}/go.mod requires k6 (AGPL-3.0): run k6 as a separate program instead`);
  }
});

test('the pack is Apache-2.0: LICENSE, package.json and the README say the same', () => {
  assert.match(readFileSync(join(repoRoot, 'LICENSE'), 'utf8'), /Apache License\s+Version 2\.0, January 2004/);
  const pkg = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { license?: string };
  assert.equal(pkg.license, 'Apache-2.0');
  assert.match(readme, /^## Licences$/m);
  assert.match(readme, /floodgate\*\* is licensed under the \[Apache License 2\.0\]\(LICENSE\)/);
});

test('a licence is judged by its SPDX expression: copyleft and unknown refused, one allowed side of an OR suffices', () => {
  for (const ok of ['MIT', 'Apache-2.0', '(MIT OR Apache-2.0)', '(MIT OR GPL-3.0-or-later)', 'BSD-3-Clause AND ISC', 'BlueOak-1.0.0'])
    assert.equal(judgeLicence(ok).ok, true, ok);
  assert.match(judgeLicence('AGPL-3.0-only').reason!, /AGPL-3\.0-only is copyleft/);
  assert.match(judgeLicence('GPL-2.0-or-later').reason!, /copyleft/);
  assert.match(judgeLicence('LGPL-3.0').reason!, /copyleft/);
  assert.match(judgeLicence('SSPL-1.0').reason!, /copyleft/);
  assert.match(judgeLicence('MIT AND GPL-3.0').reason!, /GPL-3\.0 is copyleft/);
  assert.match(judgeLicence('SEE LICENSE IN LICENSE.txt').reason!, /not an SPDX licence expression \(unknown\)/);
  assert.match(judgeLicence(undefined).reason!, /no licence stated/);
  assert.match(judgeLicence('WTFPL').reason!, /not a licence on the pack's list/);
  // The older package.json forms.
  assert.equal(licenceField({ license: { type: 'MIT' } }), 'MIT');
  assert.equal(licenceField({ licenses: [{ type: 'MIT' }, { type: 'Apache-2.0' }] }), '(MIT OR Apache-2.0)');
});

test("a Go module's licence file is named by its text; by its title, not by the licences it quotes", () => {
  assert.equal(licenceOfText(readFileSync('/usr/share/common-licenses/Apache-2.0', 'utf8')), 'Apache-2.0');
  assert.equal(licenceOfText(readFileSync('/usr/share/common-licenses/GPL-3', 'utf8')), 'GPL-3.0');
  assert.equal(licenceOfText(readFileSync('/usr/share/common-licenses/GPL-2', 'utf8')), 'GPL-2.0');
  assert.equal(licenceOfText(readFileSync('/usr/share/common-licenses/LGPL-2.1', 'utf8')), 'LGPL-2.1');
  // The MPL names the GPL family as secondary licences; the GPL-3.0 names the AGPL: the title decides.
  assert.equal(licenceOfText(readFileSync('/usr/share/common-licenses/MPL-2.0', 'utf8')), 'MPL-2.0');
  assert.equal(licenceOfText('Permission is hereby granted, free of charge, to any person obtaining a copy of this software'), 'MIT');
  assert.equal(licenceOfText('This program is ours. All rights reserved.'), undefined);
});

test('every npm package installed for the pack has a licence the pack may take', () => {
  const deps = npmDependencies();
  assert.ok(deps.length > 50, `npm query listed ${deps.length} packages`);
  assert.deepEqual(refused(deps), []);
});

test('every Go module compiled into the Go programs of the repository (targets, peers) has a licence the pack may take', () => {
  for (const dir of goModuleDirs()) {
    const deps = goBuildDependencies(join(repoRoot, dir));
    assert.ok(deps.length > 0, `${dir}: go list -deps found no module`);
    assert.deepEqual(refused(deps), [], dir);
    assert.ok(readme.includes(`\`${dir}\` (the pack's own)`), `the README's licences table lists ${dir}`);
  }
});

for (const name of Object.keys(GO_TOOLS) as GoToolName[]) {
  test(`${name}: the licence the README states is the one its module ships, and so are those of every module built into it`, () => {
    const t = GO_TOOLS[name];
    ensureGoTool(name);
    const mod = goToolModule(name);
    const deps = goBuildDependencies(mod, t.pkg);
    const own = deps.find((d) => d.name === t.module);
    assert.ok(own, `${t.module} is among the modules built into ${name}`);
    assert.equal(own.licence, t.licence);
    assert.deepEqual(refused(deps), []);
    assert.ok(readme.includes(`| ${name} | \`${t.module}\` ${t.version} | ${t.licence} |`), `the README's licences table lists ${name}`);
  });
}
