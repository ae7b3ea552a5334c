/**
 * Rewrites the security test matrix of docs/security.md (between `<!-- matrix:start -->` and
 * `<!-- matrix:end -->`) from a Jest `--json` run of test/security and any other paths given,
 * by each test's `[ID]` tags and status. Exits 1 when a row has neither a test nor a reason it
 * does not apply, or a tagged test fails (the document shows what failed either way).
 *
 *   npm run security:matrix [-- test/lambda]
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

interface JestReport {
  numTotalTests: number;
  numPassedTests: number;
  numFailedTests: number;
  testResults: { name: string; assertionResults: { title: string; status: string }[] }[];
}

type TaggedTest = { file: string; title: string; status: string };

const STATUS_LABEL = Object.freeze({
  passing: '✅ passing',
  failing: '❌ failing',
  'not applicable': '➖ N/A',
  missing: '⚠️ missing',
  skipped: '⏸ skipped',
});
type RowStatus = keyof typeof STATUS_LABEL;

/** Jest's `--json` report, through a file: tests may write to stdout too. */
function runJest(paths: readonly string[]): JestReport {
  const dir = mkdtempSync(join(tmpdir(), 'security-matrix-'));
  const output = join(dir, 'report.json');
  try {
    const jest = join(ROOT, 'node_modules', 'jest', 'bin', 'jest.js');
    const args = [jest, ...paths, '--ci', '--json', '--outputFile', output];
    const run = spawnSync(process.execPath, args, { stdio: ['ignore', 'ignore', 'inherit'] });
    if (run.error) throw run.error;
    return JSON.parse(readFileSync(output, 'utf8')) as JestReport;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function testsByRow(report: JestReport): Map<string, TaggedTest[]> {
  const byRow = new Map<string, TaggedTest[]>();
  for (const { name, assertionResults } of report.testResults) {
    for (const { title, status } of assertionResults) {
      for (const id of tagsOf(title)) {
        byRow.set(id, [...(byRow.get(id) ?? []), { file: relative(ROOT, name), title, status }]);
      }
    }
  }
  return byRow;
}

function rowStatus(row: MatrixRow, tests: readonly TaggedTest[]): RowStatus {
  if (row.notApplicable) return 'not applicable';
  if (tests.length === 0) return 'missing';
  if (tests.some((t) => t.status === 'failed')) return 'failing';
  return tests.every((t) => t.status === 'passed') ? 'passing' : 'skipped';
}

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
  const failedBeyond = tests.slice(LISTED).filter((t) => t.status === 'failed').length;
  const more =
    tests.length > LISTED
      ? [`and ${tests.length - LISTED} more${failedBeyond ? ` (${failedBeyond} failing)` : ''}`]
      : [];
  const also = (row.seeAlso ?? []).map((ref) => `see also \`${cell(ref)}\``);
  return [...shown, ...more, ...also].join('<br>');
}

function countsOf(statuses: readonly RowStatus[]) {
  const n = (...of: RowStatus[]) => statuses.filter((s) => of.includes(s)).length;
  return {
    rows: statuses.length,
    covered: n('passing', 'failing', 'skipped'),
    passing: n('passing'),
    failing: n('failing'),
    notApplicable: n('not applicable'),
    missing: n('missing'),
  };
}

function render(report: JestReport, paths: readonly string[]) {
  const byRow = testsByRow(report);
  const statuses = new Map(MATRIX.map((row) => [row, rowStatus(row, byRow.get(row.id) ?? [])]));
  const groups = (Object.entries(GROUPS) as [GroupId, string][]).map(
    ([group, title]) =>
      [`${group}. ${title}`, MATRIX.filter((row) => row.group === group)] as const,
  );
  const sections = groups.map(([label, rows]) =>
    [
      `### ${label} (${rows.length})`,
      '',
      '| ID | Case | Expected | Test | Status |',
      '| --- | --- | --- | --- | --- |',
      ...rows.map(
        (row) =>
          `| ${row.id} | ${cell(row.case)} | ${cell(row.expected)} | ${testsCell(row, byRow.get(row.id) ?? [])} | ${STATUS_LABEL[statuses.get(row) as RowStatus]} |`,
      ),
    ].join('\n'),
  );
  const countRow = (label: string, rows: readonly MatrixRow[]) => {
    const c = countsOf(rows.map((row) => statuses.get(row) as RowStatus));
    return `| ${label} | ${c.rows} | ${c.covered} | ${c.passing} | ${c.failing} | ${c.notApplicable} | ${c.missing} |`;
  };
  const summary = [
    '| Group | Rows | Covered | Passing | Failing | N/A | Missing |',
    '| --- | --: | --: | --: | --: | --: | --: |',
    ...groups.map(([label, rows]) => countRow(label, rows)),
    countRow('**Total**', MATRIX),
  ].join('\n');
  const header = [
    `Generated by \`npm run security:matrix\` (scripts/security-matrix.ts) on ${new Date().toISOString().slice(0, 10)} from a run of \`jest ${paths.join(' ')}\`:`,
    `${report.numTotalTests} tests, ${report.numPassedTests} passed, ${report.numFailedTests} failed.`,
    'A row is covered when at least one test carries its id; it passes when all of them pass.',
    'Do not edit this section by hand.',
  ].join(' ');
  return {
    text: [header, summary, ...sections].join('\n\n'),
    total: countsOf([...statuses.values()]),
  };
}

function main(): void {
  const paths = ['test/security', ...process.argv.slice(2)];
  const { text, total } = render(runJest(paths), paths);
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
