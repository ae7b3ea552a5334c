/** The README's generated parts, each between its `<!-- name:begin … -->` and `<!-- name:end -->`. */
import { readFileSync, writeFileSync } from 'node:fs';

/** `readme` with `part` (its markers its first and last lines) in place of the old one. */
export function replacePart(readme: string, part: string): string {
  const begin = part.slice(0, part.indexOf(':begin') + ':begin'.length);
  const end = part.slice(part.lastIndexOf('\n') + 1);
  const start = readme.indexOf(begin);
  const stop = readme.indexOf(end);
  if (start < 0 || stop < start) throw new Error(`README.md lacks the ${begin} … ${end} markers`);
  return readme.slice(0, start) + part + readme.slice(stop + end.length);
}

/** Writes `part` into README.md, saying whether that changed anything. */
export function rewriteReadme(part: string, what: string): void {
  const before = readFileSync('README.md', 'utf8');
  const after = replacePart(before, part);
  if (after !== before) writeFileSync('README.md', after);
  process.stdout.write(`README.md: ${what}: ${after === before ? 'up to date' : 'rewritten'}\n`);
}
