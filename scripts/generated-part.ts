/** The generated parts of the docs, each between its `<!-- name:begin … -->` and `<!-- name:end -->`. */
import { readFileSync, writeFileSync } from 'node:fs';

/** `doc` with `part` (its markers its first and last lines) in place of the old one. */
export function replacePart(doc: string, part: string): string {
  const begin = part.slice(0, part.indexOf(':begin') + ':begin'.length);
  const end = part.slice(part.lastIndexOf('\n') + 1);
  const start = doc.indexOf(begin);
  const stop = doc.indexOf(end);
  if (start < 0 || stop < start) throw new Error(`no ${begin} … ${end} markers`);
  return doc.slice(0, start) + part + doc.slice(stop + end.length);
}

/** Writes `part` into README.md, saying whether that changed anything. */
export function rewriteReadme(part: string, what: string): void {
  const before = readFileSync('README.md', 'utf8');
  const after = replacePart(before, part);
  if (after !== before) writeFileSync('README.md', after);
  process.stdout.write(`README.md: ${what}: ${after === before ? 'up to date' : 'rewritten'}\n`);
}
