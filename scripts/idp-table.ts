/** Rewrites the README's identity provider table (test/local/identity/idp-table.test.ts checks it). */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderIdpTable, replaceIdpTable } from '../local/identity/idp-table';

const readme = join(process.cwd(), 'README.md');
const before = readFileSync(readme, 'utf8');
const after = replaceIdpTable(before, renderIdpTable());
if (after !== before) writeFileSync(readme, after);
const outcome = after === before ? 'is up to date' : 'rewritten';
process.stdout.write(`README.md: identity provider table ${outcome}\n`);
