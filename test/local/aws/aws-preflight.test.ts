import { defaultProvider } from '@aws-sdk/credential-provider-node';
import { AwsPreflightError, checkAwsAccess } from '../../../local/aws/aws-preflight';

const ISSUER = { JWT_ISSUER: 'https://login.example.com/', JWT_AUDIENCE: 'api' };
const CHAIN_VARIABLES = [
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
  'AWS_PROFILE',
  'AWS_SHARED_CREDENTIALS_FILE',
  'AWS_CONFIG_FILE',
  'AWS_WEB_IDENTITY_TOKEN_FILE',
  'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI',
  'AWS_CONTAINER_CREDENTIALS_FULL_URI',
  'AWS_EC2_METADATA_DISABLED',
] as const;

/** Runs `fn` with the credential chain's variables replaced, then restores them. */
async function withChainEnv<T>(values: Record<string, string>, fn: () => Promise<T>): Promise<T> {
  const saved = Object.fromEntries(CHAIN_VARIABLES.map((name) => [name, process.env[name]]));
  for (const name of CHAIN_VARIABLES) delete process.env[name];
  Object.assign(process.env, values);
  try {
    return await fn();
  } finally {
    for (const name of CHAIN_VARIABLES) {
      const value = saved[name];
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  }
}

const NO_CREDENTIALS = {
  AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/credentials',
  AWS_CONFIG_FILE: '/nonexistent/config',
  // The chain's last resort is the instance metadata service: nothing to ask on a laptop.
  AWS_EC2_METADATA_DISABLED: 'true',
};

describe('checkAwsAccess (npm start -- --aws)', () => {
  it('names every missing piece at once: region, issuer, audience and credentials', async () => {
    const attempt = checkAwsAccess({}, () => Promise.reject(new Error('Could not load')));
    await expect(attempt).rejects.toBeInstanceOf(AwsPreflightError);
    const error = (await attempt.catch((e: unknown) => e)) as AwsPreflightError;
    expect(error.problems).toHaveLength(4);
    expect(error.message).toMatch(/AWS_REGION/);
    expect(error.message).toMatch(/JWT_ISSUER/);
    expect(error.message).toMatch(/JWT_AUDIENCE/);
    expect(error.message).toMatch(/no AWS credentials: set AWS_PROFILE.*Could not load/);
  });

  it('finds no credentials through the real default chain when none are configured', async () => {
    await withChainEnv(NO_CREDENTIALS, async () => {
      const error = (await checkAwsAccess(
        { AWS_REGION: 'us-east-1', ...ISSUER },
        defaultProvider(),
      ).catch((e: unknown) => e)) as AwsPreflightError;
      expect(error).toBeInstanceOf(AwsPreflightError);
      expect(error.problems).toEqual([expect.stringMatching(/^no AWS credentials/)]);
    });
  });

  it('starts with credentials from the environment and the region it names', async () => {
    await withChainEnv(
      { ...NO_CREDENTIALS, AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE', AWS_SECRET_ACCESS_KEY: 'secret' },
      async () => {
        await expect(
          checkAwsAccess({ AWS_REGION: 'eu-central-1', ...ISSUER }, defaultProvider()),
        ).resolves.toEqual({ region: 'eu-central-1' });
      },
    );
  });

  it('prefers CHIME_REGION, the control region, over AWS_REGION', async () => {
    await expect(
      checkAwsAccess({ CHIME_REGION: 'us-west-2', AWS_REGION: 'eu-west-1', ...ISSUER }, () =>
        Promise.resolve({}),
      ),
    ).resolves.toEqual({ region: 'us-west-2' });
  });
});
