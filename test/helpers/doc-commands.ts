// The "your own service" commands of the docs, as the suite runs them: read from the page itself
// (the first ```sh block under a heading), split as a shell would, with the example's addresses
// swapped for the services the test started. A page's example that changes is the example run.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from './k6.ts';

/** The `nth` ```sh block after `heading` in docs/<page>.md, as one line (continuations joined). */
export function docBlock(page: string, heading = '## Pointing it at your own service', nth = 0): string {
  const text = readFileSync(join(repoRoot, 'docs', `${page}.md`), 'utf8');
  const at = text.indexOf(`\n${heading}\n`);
  if (at < 0) throw new Error(`docs/${page}.md has no "${heading}"`);
  const block = [...text.slice(at).matchAll(/```sh\n([\s\S]*?)```/g)][nth];
  if (!block) throw new Error(`docs/${page}.md has no sh block ${nth + 1} under "${heading}"`);
  return block[1]!.replace(/\\\n\s*/g, ' ').trim();
}

/** Splits a command line into words as sh does for the quoting the docs use ('...', "...", backslashes). */
export function shellWords(line: string): string[] {
  const words: string[] = [];
  let word: string | undefined;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (c === "'") {
      const end = line.indexOf("'", i + 1);
      word = (word ?? '') + line.slice(i + 1, end);
      i = end;
    } else if (c === '"') {
      let j = i + 1;
      let s = '';
      for (; line[j] !== '"'; j++) s += line[j] === '\\' ? line[++j] : line[j];
      word = (word ?? '') + s;
      i = j;
    } else if (c === '\\') word = (word ?? '') + line[++i];
    else if (/\s/.test(c)) {
      if (word !== undefined) words.push(word);
      word = undefined;
    } else word = (word ?? '') + c;
  }
  if (word !== undefined) words.push(word);
  return words;
}

/**
 * The k6 arguments of a page's example (after `k6 run`), each `from` address replaced by its
 * `to`: the script, the flags and every -e, ready for runK6's extra arguments.
 */
export function docK6Args(page: string, swap: Record<string, string>, heading?: string, nth?: number): { script: string; args: string[] } {
  let line = docBlock(page, heading, nth);
  for (const [from, to] of Object.entries(swap)) line = line.split(from).join(to);
  const words = shellWords(line);
  if (words[0] !== 'k6' || words[1] !== 'run') throw new Error(`docs/${page}.md's example is not a k6 run: ${line}`);
  const script = words.at(-1)!;
  return { script: join(repoRoot, script), args: words.slice(2, -1) };
}
