import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { parse, stringify } from 'yaml';
import { OPENAPI_FILE } from '../helpers/openapi-conformance';

/**
 * @seriousme/openapi-schema-validator ships ESM only and reads its schemas through
 * `import.meta.url`, which Jest's CommonJS transform cannot run: it runs in a child Node.
 */
function validateOpenApi(text: string): { valid: boolean; version: string; errors?: unknown } {
  const script = `
    import { Validator } from '@seriousme/openapi-schema-validator';
    let input = '';
    for await (const chunk of process.stdin) input += chunk;
    const validator = new Validator({ strict: false });
    const result = await validator.validate(input);
    process.stdout.write(JSON.stringify({ ...result, version: validator.version }));
  `;
  const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
    cwd: process.cwd(),
    input: text,
    encoding: 'utf8',
  });
  if (child.status !== 0) throw new Error(`validator failed: ${child.stderr}`);
  return JSON.parse(child.stdout);
}

const text = readFileSync(OPENAPI_FILE, 'utf8');

describe('openapi.yaml', () => {
  it('is a valid OpenAPI 3.1 document', () => {
    const result = validateOpenApi(text);
    expect(result.errors).toBeUndefined();
    expect(result).toMatchObject({ valid: true, version: '3.1' });
  });

  it('would be refused if a response lost its description (the check is not vacuous)', () => {
    const document = parse(text);
    delete document.paths['/meetings/{meetingId}/attendees/{attendeeId}'].get.responses['200']
      .description;
    expect(validateOpenApi(stringify(document)).valid).toBe(false);
  });

  it('requires a bearer JWT on every operation', () => {
    const document = parse(text);
    expect(document.components.securitySchemes.bearerAuth).toMatchObject({
      type: 'http',
      scheme: 'bearer',
      bearerFormat: 'JWT',
    });
    expect(document.security).toEqual([{ bearerAuth: [] }]);
    for (const pathItem of Object.values<Record<string, { security?: unknown }>>(document.paths)) {
      expect(pathItem.get?.security).toBeUndefined();
    }
  });

  it('explains the JoinToken policy, the roles and the 404 for strangers in info.description', () => {
    const { description } = parse(text).info;
    expect(description).toMatch(/JoinToken policy/);
    expect(description).toMatch(/JOIN_TOKEN_POLICY/);
    for (const role of ['Owner', 'Participant', 'Moderator']) {
      expect(description).toContain(`**${role}**`);
    }
    expect(description).toMatch(/PARTICIPANT_ROLE/);
    expect(description).toMatch(/404 for strangers/);
  });
});
