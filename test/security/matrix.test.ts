/**
 * The matrix cannot silently lose a case: every row has a tagged test in test/security or says
 * why it does not apply, and every tag names a row. Tags are read from the test sources (a
 * string literal that starts with `[ID]`); scripts/security-matrix.ts reads them from a run.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { GROUPS, MATRIX, tagsOf } from './matrix';

const DIR = join('test', 'security');

/** Tags by test file, from string literals that start with one or more `[ID]`. */
function tagsInSources(): Map<string, string[]> {
  const found = new Map<string, string[]>();
  for (const file of readdirSync(DIR).filter((f) => f.endsWith('.test.ts'))) {
    const source = readFileSync(join(DIR, file), 'utf8');
    for (const match of source.matchAll(/['"`]((?:\[[A-I]\d{1,2}\])+)/g)) {
      for (const id of tagsOf(match[1] as string)) found.set(id, [...(found.get(id) ?? []), file]);
    }
  }
  return found;
}

describe('the security test matrix', () => {
  const tagged = tagsInSources();

  it('holds the 104 cases of the research, with unique ids, per group', () => {
    expect(MATRIX).toHaveLength(104);
    expect(new Set(MATRIX.map((row) => row.id)).size).toBe(104);
    const counts = Object.fromEntries(
      Object.keys(GROUPS).map((group) => [group, MATRIX.filter((r) => r.group === group).length]),
    );
    expect(counts).toEqual({ A: 12, B: 22, C: 11, D: 18, E: 7, F: 10, G: 6, H: 8, I: 10 });
    for (const row of MATRIX) expect(row.id.startsWith(row.group)).toBe(true);
  });

  it('has a tagged test or a reason it does not apply for every row, never both', () => {
    const uncovered = MATRIX.filter((row) => !tagged.has(row.id) && !row.notApplicable);
    expect(uncovered.map((row) => `${row.id} ${row.case}`)).toEqual([]);
    const both = MATRIX.filter((row) => tagged.has(row.id) && row.notApplicable);
    expect(both.map((row) => `${row.id}: ${tagged.get(row.id)?.join(', ')}`)).toEqual([]);
  });

  it('gives every not-applicable row a reason a reviewer can check', () => {
    for (const row of MATRIX.filter((r) => r.notApplicable)) {
      expect({ id: row.id, specific: (row.notApplicable as string).length >= 80 }).toEqual({
        id: row.id,
        specific: true,
      });
    }
  });

  it('tags tests with ids of the matrix only', () => {
    const known = new Set(MATRIX.map((row) => row.id));
    expect([...tagged.keys()].filter((id) => !known.has(id))).toEqual([]);
  });

  it('reads every leading tag of a test name, and none elsewhere', () => {
    expect(tagsOf('[I10][A10] has no catch-all')).toEqual(['I10', 'A10']);
    expect(tagsOf('[B6] rejects alg none')).toEqual(['B6']);
    expect(tagsOf('rejects [B6] later in the name')).toEqual([]);
    expect(tagsOf('[Z1] unknown group')).toEqual([]);
  });
});
