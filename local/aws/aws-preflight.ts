/** `npm start -- --aws` names every missing piece at once, rather than a 502 per request. */
import { defaultProvider } from '@aws-sdk/credential-provider-node';

export class AwsPreflightError extends Error {
  override readonly name = 'AwsPreflightError';
  constructor(readonly problems: readonly string[]) {
    super(`npm start -- --aws cannot start:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

const set = (value: string | undefined): value is string =>
  value !== undefined && value.trim() !== '';

/** Checks region, issuer and credentials (the SDK's default chain); answers the region. */
export async function checkAwsAccess(
  env: Readonly<Record<string, string | undefined>>,
  loadCredentials: () => Promise<unknown> = defaultProvider(),
): Promise<{ readonly region: string }> {
  const region = [env.CHIME_REGION, env.AWS_REGION, env.AWS_DEFAULT_REGION].find(set);
  const problems = [
    [region, 'AWS_REGION (or CHIME_REGION) is not set: the meetings’ control region'],
    [env.JWT_ISSUER, 'JWT_ISSUER is not set: the issuer of your users’ tokens'],
    [env.JWT_AUDIENCE, 'JWT_AUDIENCE is not set: the audience (or client id) of those tokens'],
  ].flatMap(([value, problem]) => (set(value) ? [] : [problem as string]));
  await loadCredentials().catch((error: unknown) => {
    const why = error instanceof Error ? error.message.split('\n')[0] : String(error);
    problems.push(
      `no AWS credentials: set AWS_PROFILE (after \`aws sso login\`), or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (${why})`,
    );
  });
  if (region === undefined || problems.length > 0) throw new AwsPreflightError(problems);
  return { region };
}
