/**
 * `npm run config:tables`: writes the README's two configuration tables from the contract
 * (lambda/common/config/settings.ts and lib/settings.ts), between the config-tables markers.
 * A test fails when they drift.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { renderConfigTables, replaceConfigTables } from '../lib/config-tables';

const before = readFileSync('README.md', 'utf8');
const after = replaceConfigTables(before, renderConfigTables());
if (after !== before) writeFileSync('README.md', after);
const done = after === before ? 'are up to date' : 'rewritten';
process.stdout.write(`README.md: configuration tables ${done}\n`);
