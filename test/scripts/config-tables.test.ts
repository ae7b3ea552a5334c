import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FUNCTION_SETTINGS } from '../../lambda/common/config/settings';
import { STACK_SETTINGS } from '../../lib/settings';
import { BEGIN, END, renderConfigTables } from '../../scripts/config-tables';
import { replacePart } from '../../scripts/generated-part';

const README = readFileSync(join(process.cwd(), 'README.md'), 'utf8');

describe("the README's configuration tables", () => {
  it('are the ones the contract generates (run `npm run config:tables` after a change)', () => {
    expect(replacePart(README, renderConfigTables())).toBe(README);
  });

  it('list every function variable and every context key once', () => {
    const tables = README.slice(README.indexOf(BEGIN), README.indexOf(END));
    for (const spec of Object.values(FUNCTION_SETTINGS)) {
      expect(tables.split(`| \`${spec.env}\` |`)).toHaveLength(2);
    }
    for (const key of Object.keys(STACK_SETTINGS)) {
      expect(tables.split(`| \`${key}\` |`)).toHaveLength(2);
    }
  });

  it('take each setting’s meaning from its doc comment, which the contract’s values leave out', () => {
    expect(renderConfigTables()).toContain('| Clock skew tolerated on `exp` and `nbf`. |');
    expect(JSON.stringify(FUNCTION_SETTINGS)).not.toContain('Clock skew');
  });

  it('fail loudly when the markers are gone', () => {
    expect(() => replacePart('# no tables', renderConfigTables())).toThrow(/markers/);
  });
});
