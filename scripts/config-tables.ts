/**
 * `npm run config:tables`: writes the README's two configuration tables from the contract
 * (lambda/attendee/function-settings.ts and lib/settings.ts), between the markers
 * `<!-- config-tables:begin -->` and `<!-- config-tables:end -->`. A test fails when they drift.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderConfigTables, replaceConfigTables } from '../lib/config-tables';

const readme = join(process.cwd(), 'README.md');
const before = readFileSync(readme, 'utf8');
const after = replaceConfigTables(before, renderConfigTables());
if (after === before) {
  process.stdout.write('README.md: configuration tables are up to date\n');
} else {
  writeFileSync(readme, after);
  process.stdout.write('README.md: configuration tables rewritten\n');
}
