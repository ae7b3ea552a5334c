/** `npm run config:tables`: rewrites the README's configuration tables from the contract. */
import { readFileSync, writeFileSync } from 'node:fs';
import { renderConfigTables, replaceConfigTables } from '../lib/config-tables';

const before = readFileSync('README.md', 'utf8');
const after = replaceConfigTables(before, renderConfigTables());
if (after !== before) writeFileSync('README.md', after);
const done = after === before ? 'are up to date' : 'rewritten';
process.stdout.write(`README.md: configuration tables ${done}\n`);
