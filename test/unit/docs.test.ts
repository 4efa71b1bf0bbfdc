// The README and docs/ agree with the declarations: every scenario is in the README's table and
// has its page, every knob has its row (generated from lib/catalog/ by `npm run docs`), every
// `npm run X` names a real script and every relative link leads somewhere.
import { isScenarioSection } from '../../lib/thresholds.ts';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import { SCENARIOS } from '../../lib/catalog/index.ts';
import { readRepoFile, staleDocs } from '../../harness/docs.ts';
import { repoRoot } from '../helpers/k6.ts';

const scenarioFiles = readdirSync(join(repoRoot, 'scenarios'))
  .filter((f) => f.endsWith('.ts'))
  .map((f) => f.replace(/\.ts$/, ''))
  .sort();
const thresholdSections = Object.keys(JSON.parse(readRepoFile('thresholds.json')) as object)
  .filter(isScenarioSection)
  .sort();
const docs = [
  'README.md',
  ...readdirSync(join(repoRoot, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => `docs/${f}`),
];

test('every scenario file has its catalogue entry, its thresholds section and its page, and nothing else does', () => {
  assert.deepEqual(Object.keys(SCENARIOS).sort(), scenarioFiles, 'lib/catalog/index.ts lists exactly scenarios/*.ts');
  assert.deepEqual(thresholdSections, scenarioFiles, 'thresholds.json has one section per scenario');
  for (const name of scenarioFiles) assert.ok(existsSync(join(repoRoot, 'docs', `${name}.md`)), `docs/${name}.md exists`);
});

test('the generated tables (scenarios, knobs, common knobs) are what lib/catalog/ and thresholds.json say: npm run docs', () => {
  assert.deepEqual(staleDocs(), [], 'run npm run docs and commit the result');
});

test('a page missing a knob row, or a README missing a scenario, is caught', () => {
  const dropLine = (text: string, needle: string) =>
    text
      .split('\n')
      .filter((l) => !l.includes(needle))
      .join('\n');
  const edited = (file: string) =>
    file === 'docs/burst.md'
      ? dropLine(readRepoFile(file), '| `LIMIT` |')
      : file === 'README.md'
        ? dropLine(readRepoFile(file), '[`db-pool`](docs/db-pool.md)')
        : readRepoFile(file);
  assert.deepEqual(staleDocs(edited).sort(), ['README.md', 'docs/burst.md']);
});

test("the README's table links every scenario's page, and each page has a row for each of its knobs", () => {
  const readme = readRepoFile('README.md');
  for (const s of Object.values(SCENARIOS)) {
    assert.ok(readme.includes(`[\`${s.name}\`](docs/${s.name}.md)`), `README links docs/${s.name}.md`);
    const page = readRepoFile(`docs/${s.name}.md`);
    for (const key of Object.keys(s.knobs)) assert.ok(page.includes(`| \`${key}\` |`), `docs/${s.name}.md has a row for ${key}`);
  }
});

test('every `npm run X` in the README and docs/ is a script of package.json', () => {
  const scripts = Object.keys((JSON.parse(readRepoFile('package.json')) as { scripts: Record<string, string> }).scripts);
  const missing: string[] = [];
  for (const file of docs) {
    for (const m of readRepoFile(file).matchAll(/npm run ([\w:-]+)/g))
      if (!scripts.includes(m[1]!)) missing.push(`${file}: npm run ${m[1]}`);
  }
  assert.deepEqual(missing, []);
});

/** GitHub's anchor for a heading: lowercased, punctuation dropped, spaces to hyphens. */
const slug = (heading: string) =>
  heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N} _-]/gu, '')
    .replace(/ /g, '-');

test('every relative link in the README and docs/ leads to a file, and to a heading when it names one', () => {
  const broken: string[] = [];
  for (const file of docs) {
    for (const m of readRepoFile(file).matchAll(/\]\(([^)\s]+)\)/g)) {
      const href = m[1]!;
      if (/^[a-z]+:/.test(href)) continue; // http(s): and the like are not ours to check offline
      const [path, anchor] = href.split('#') as [string, string | undefined];
      const target = path === '' ? file : normalize(join(dirname(file), path));
      if (!existsSync(join(repoRoot, target))) {
        broken.push(`${file}: ${href} (no ${target})`);
        continue;
      }
      if (anchor && target.endsWith('.md')) {
        const headings = [...readFileSync(join(repoRoot, target), 'utf8').matchAll(/^#+ (.+)$/gm)].map((h) => slug(h[1]!));
        if (!headings.includes(anchor)) broken.push(`${file}: ${href} (no heading #${anchor} in ${target})`);
      }
    }
  }
  assert.deepEqual(broken, []);
});
