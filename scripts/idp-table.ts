/**
 * `npx tsx scripts/idp-table.ts`: writes the README's identity provider table (the exact `-c`
 * context of each provider) from local/identity/idp-profiles.ts, between the `idp-table` markers. A test
 * fails when the README drifts (test/scripts/idp-table.test.ts).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderIdpTable, replaceIdpTable } from '../local/identity/idp-table';

const readme = join(process.cwd(), 'README.md');
const before = readFileSync(readme, 'utf8');
const after = replaceIdpTable(before, renderIdpTable());
if (after === before) {
  process.stdout.write('README.md: identity provider table is up to date\n');
} else {
  writeFileSync(readme, after);
  process.stdout.write('README.md: identity provider table rewritten\n');
}
