import { execFile } from 'node:child_process';
import { dirname } from 'node:path';
import { promisify } from 'node:util';
import { FUNCTION_SETTINGS, parseConfig } from '../../../lambda/common/config/settings';
import type { DevStack } from '../../../local/cli/dev-stack';
import {
  type FaultRecipe,
  faultCommand,
  faultRecipes,
  faultShell,
  MEETING_ID_PLACEHOLDER,
  recipeSettingsOf,
} from '../../../local/cli/fault-recipes';
import { startLocalStack } from '../../helpers/local-stack';
import { registerSecret } from '../../helpers/log-capture';

const S = FUNCTION_SETTINGS;
/**
 * A short deadline with room for two attempts and for GetAttendee after the snapshot's:
 * 1000 + 100 + 1000 ms of snapshot, then GetAttendee until the deadline.
 */
const SHORT_DEADLINE = { DEADLINE_MS: '3000', CHIME_REQUEST_TIMEOUT_MS: '1000' };
/** npm start's container tier (the contract's defaults). */
const NPM_START_CACHES = {
  [S.cacheAttendeeTtlMs.env]: String(S.cacheAttendeeTtlMs.default),
  [S.cacheMeetingTtlMs.env]: String(S.cacheMeetingTtlMs.default),
  ...SHORT_DEADLINE,
};

/** Runs a shell script as a user pasting it would, with `node` and the token at hand. */
async function paste(script: string, token: string): Promise<string> {
  const { stdout } = await promisify(execFile)('bash', ['-c', script], {
    env: {
      ...process.env,
      ALICE_TOKEN: token,
      PATH: `${dirname(process.execPath)}:${process.env.PATH ?? ''}`,
    },
  });
  return stdout;
}

const statusesIn = (curlOutput: string) =>
  [...curlOutput.matchAll(/^HTTP\/1\.1 (\d{3})/gm)].map((match) => Number(match[1]));

describe.each([
  ['with the shared table, as npm start runs', true, NPM_START_CACHES, true],
  ['with the container cache only (--no-shared-cache)', false, NPM_START_CACHES, true],
  ['with no cache at all (container TTLs 0, --no-shared-cache)', false, SHORT_DEADLINE, false],
])('the fault recipes npm start prints, %s', (_name, sharedCache, env, snapshots) => {
  let stack: DevStack;
  let alice: string;
  let recipes: readonly FaultRecipe[];

  beforeAll(async () => {
    // startLocalStack's own default is no cache at all; `env` overrides it.
    stack = await startLocalStack({ sharedCache, env });
    alice = registerSecret(await stack.idp.mint({ sub: 'alice' }));
    recipes = faultRecipes(recipeSettingsOf(parseConfig(stack.env)), MEETING_ID_PLACEHOLDER);
  });
  afterAll(() => stack.stop());

  it(`count ${snapshots ? 'the snapshot’s two calls, then GetAttendee' : 'GetAttendee only'}`, () => {
    expect(recipeSettingsOf(parseConfig(stack.env)).snapshotOnFirstMiss).toBe(snapshots);
  });

  it('queue as many hangs as attempts fit the deadline: 2 with npm start’s defaults', () => {
    const config = parseConfig({
      ...stack.env,
      DEADLINE_MS: '6000',
      CHIME_REQUEST_TIMEOUT_MS: '2000',
    });
    const [hang] = faultRecipes(recipeSettingsOf(config), 'm').filter((r) => r.status === 504);
    expect(hang?.rule.count).toBe(snapshots ? 5 : 2);
  });

  it.each([503, 502, 504] as const)(
    'answer %i each time one is pasted, on a fresh meeting, and leave nothing queued',
    async (status) => {
      const recipe = recipes.find((candidate) => candidate.status === status);
      if (!recipe) throw new Error(`no ${status} recipe`);
      const shell = faultShell({
        apiUrl: stack.apiUrl,
        emulatorUrl: stack.emulatorUrl,
        tokenVariable: 'ALICE_TOKEN',
      });

      const output = await paste(
        `${shell}\n${faultCommand(recipe)}\n${faultCommand(recipe)}`,
        alice,
      );

      expect(statusesIn(output)).toEqual([status, status]);
      expect(stack.emulator.faults()).toEqual([]);
    },
  );
});
