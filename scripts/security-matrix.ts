/**
 * Produces the security test matrix of docs/security.md from a test run, not by hand: runs Jest
 * on test/security (and any other paths given) with `--json`, reads each test's `[ID]` tags and
 * status, and rewrites the section between `<!-- matrix:start -->` and `<!-- matrix:end -->`
 * with one table per group and the counts.
 *
 *   npm run security:matrix                       # test/security
 *   npm run security:matrix -- test/lambda        # plus other tagged tests
 *
 * Exits 1 when a row has neither a test nor a reason it does not apply, or a tagged test fails
 * (the document is rewritten either way, so it shows what failed).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { GROUPS, type GroupId, MATRIX, type MatrixRow, tagsOf } from '../test/security/matrix';

const ROOT = process.cwd();
const DOC = join(ROOT, 'docs', 'security.md');
const START = '<!-- matrix:start -->';
const END = '<!-- matrix:end -->';
/** Tests listed per row before "and N more". */
const LISTED = 3;

interface JestAssertion {
  readonly title: string;
  readonly status: 'passed' | 'failed' | 'pending' | 'todo' | 'skipped' | 'disabled';
}
interface JestReport {
  readonly numTotalTests: number;
  readonly numPassedTests: number;
  readonly numFailedTests: number;
  readonly testResults: readonly {
    readonly name: string;
    readonly assertionResults: readonly JestAssertion[];
  }[];
}

interface TaggedTest {
  readonly file: string;
  readonly title: string;
  readonly status: JestAssertion['status'];
}

type RowStatus = 'passing' | 'failing' | 'not applicable' | 'missing' | 'skipped';

function runJest(paths: readonly string[]): JestReport {
  const dir = mkdtempSync(join(tmpdir(), 'security-matrix-'));
  const output = join(dir, 'report.json');
  try {
    const jest = join(ROOT, 'node_modules', 'jest', 'bin', 'jest.js');
    const run = spawnSync(
      process.execPath,
      [jest, ...paths, '--ci', '--json', '--outputFile', output],
      {
        cwd: ROOT,
        stdio: ['ignore', 'ignore', 'inherit'],
      },
    );
    if (run.error) throw run.error;
    return JSON.parse(readFileSync(output, 'utf8')) as JestReport;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function testsByRow(report: JestReport): Map<string, TaggedTest[]> {
  const byRow = new Map<string, TaggedTest[]>();
  for (const result of report.testResults) {
    const file = relative(ROOT, result.name);
    for (const assertion of result.assertionResults) {
      for (const id of tagsOf(assertion.title)) {
        byRow.set(id, [
          ...(byRow.get(id) ?? []),
          { file, title: assertion.title, status: assertion.status },
        ]);
      }
    }
  }
  return byRow;
}

function rowStatus(row: MatrixRow, tests: readonly TaggedTest[]): RowStatus {
  if (row.notApplicable) return 'not applicable';
  if (tests.length === 0) return 'missing';
  if (tests.some((t) => t.status === 'failed')) return 'failing';
  if (tests.every((t) => t.status === 'passed')) return 'passing';
  return 'skipped';
}

const STATUS_LABEL: Record<RowStatus, string> = {
  passing: '✅ passing',
  failing: '❌ failing',
  'not applicable': '➖ N/A',
  missing: '⚠️ missing',
  skipped: '⏸ skipped',
};

/** Keeps a table cell on one line. */
const cell = (text: string) => text.replaceAll('|', '\\|').replaceAll('\n', ' ');

function testsCell(row: MatrixRow, tests: readonly TaggedTest[]): string {
  if (row.notApplicable) {
    const also = (row.seeAlso ?? []).map((ref) => `<br>see \`${cell(ref)}\``).join('');
    return `${cell(row.notApplicable)}${also}`;
  }
  const shown = tests.slice(0, LISTED).map((t) => {
    const mark = t.status === 'failed' ? '❌ ' : '';
    return `${mark}\`${t.file.replace('test/security/', '')}\` › ${cell(t.title.replace(/^(\[[A-I]\d{1,2}\])+\s*/, ''))}`;
  });
  const failedBeyond = tests.slice(LISTED).filter((t) => t.status === 'failed');
  const more =
    tests.length > LISTED
      ? [
          `and ${tests.length - LISTED} more${failedBeyond.length ? ` (${failedBeyond.length} failing)` : ''}`,
        ]
      : [];
  const also = (row.seeAlso ?? []).map((ref) => `see also \`${cell(ref)}\``);
  return [...shown, ...more, ...also].join('<br>');
}

interface Counts {
  rows: number;
  covered: number;
  passing: number;
  failing: number;
  notApplicable: number;
  missing: number;
}

const emptyCounts = (): Counts => ({
  rows: 0,
  covered: 0,
  passing: 0,
  failing: 0,
  notApplicable: 0,
  missing: 0,
});

function count(counts: Counts, status: RowStatus): void {
  counts.rows += 1;
  if (status === 'passing' || status === 'failing' || status === 'skipped') counts.covered += 1;
  if (status === 'passing') counts.passing += 1;
  if (status === 'failing') counts.failing += 1;
  if (status === 'not applicable') counts.notApplicable += 1;
  if (status === 'missing') counts.missing += 1;
}

function render(report: JestReport, paths: readonly string[]) {
  const byRow = testsByRow(report);
  const perGroup = new Map<GroupId, Counts>();
  const total = emptyCounts();
  const sections: string[] = [];
  for (const [group, title] of Object.entries(GROUPS) as [GroupId, string][]) {
    const rows = MATRIX.filter((row) => row.group === group);
    const counts = emptyCounts();
    const lines = [
      `### ${group}. ${title} (${rows.length})`,
      '',
      '| ID | Case | Expected | Test | Status |',
      '| --- | --- | --- | --- | --- |',
    ];
    for (const row of rows) {
      const tests = byRow.get(row.id) ?? [];
      const status = rowStatus(row, tests);
      count(counts, status);
      count(total, status);
      lines.push(
        `| ${row.id} | ${cell(row.case)} | ${cell(row.expected)} | ${testsCell(row, tests)} | ${STATUS_LABEL[status]} |`,
      );
    }
    perGroup.set(group, counts);
    sections.push(lines.join('\n'));
  }
  const countRow = (label: string, c: Counts) =>
    `| ${label} | ${c.rows} | ${c.covered} | ${c.passing} | ${c.failing} | ${c.notApplicable} | ${c.missing} |`;
  const summary = [
    '| Group | Rows | Covered | Passing | Failing | N/A | Missing |',
    '| --- | --: | --: | --: | --: | --: | --: |',
    ...[...perGroup].map(([group, c]) => countRow(`${group}. ${GROUPS[group]}`, c)),
    countRow('**Total**', total),
  ].join('\n');
  const date = new Date().toISOString().slice(0, 10);
  const header = [
    `Generated by \`npm run security:matrix\` (scripts/security-matrix.ts) on ${date} from a run of \`jest ${paths.join(' ')}\`:`,
    `${report.numTotalTests} tests, ${report.numPassedTests} passed, ${report.numFailedTests} failed.`,
    'A row is covered when at least one test carries its id; it passes when all of them pass.',
    'Do not edit this section by hand.',
  ].join(' ');
  return { text: [header, summary, ...sections].join('\n\n'), total };
}

function main(): void {
  const extra = process.argv.slice(2);
  const paths = ['test/security', ...extra];
  const report = runJest(paths);
  const { text, total } = render(report, paths);
  const doc = readFileSync(DOC, 'utf8');
  const start = doc.indexOf(START);
  const end = doc.indexOf(END);
  if (start < 0 || end < start) throw new Error(`${DOC} has no ${START} … ${END} section`);
  writeFileSync(DOC, `${doc.slice(0, start + START.length)}\n\n${text}\n\n${doc.slice(end)}`);
  process.stdout.write(
    `docs/security.md: ${total.rows} rows, ${total.covered} covered (${total.passing} passing, ${total.failing} failing), ` +
      `${total.notApplicable} not applicable, ${total.missing} missing\n`,
  );
  if (total.missing > 0 || total.failing > 0) process.exitCode = 1;
}

main();
