import { installLogCapture, leakingLines } from './helpers/log-capture';

// Tests never reach AWS: dummy credentials, no instance metadata, no shared config lookups.
process.env.AWS_ACCESS_KEY_ID = 'test';
process.env.AWS_SECRET_ACCESS_KEY = 'test';
process.env.AWS_EC2_METADATA_DISABLED = 'true';
delete process.env.AWS_PROFILE;

installLogCapture(process.env.ECHO_LOGS === '1');

afterAll(() => {
  const leaks = leakingLines();
  if (leaks.length > 0) {
    throw new Error(`Log lines leaked a secret:\n${leaks.slice(0, 5).join('\n')}`);
  }
});
