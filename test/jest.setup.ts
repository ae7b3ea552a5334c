import { installLogCapture, leakingLines } from './helpers/log-capture';
import { guardNetwork, takeBlockedAttempts } from './helpers/network-guard';

// Tests never reach AWS: dummy credentials, no instance metadata, no shared config lookups.
process.env.AWS_ACCESS_KEY_ID = 'test';
process.env.AWS_SECRET_ACCESS_KEY = 'test';
process.env.AWS_EC2_METADATA_DISABLED = 'true';
delete process.env.AWS_PROFILE;

installLogCapture(process.env.ECHO_LOGS === '1');

// Nothing but loopback: a blocked attempt fails as a connection error would (so no request ever
// leaves), and the test that made it fails here even if the code under test swallowed the error.
guardNetwork();

afterEach(() => {
  const blocked = takeBlockedAttempts();
  if (blocked.length > 0) {
    throw new Error(
      `This test tried to reach the network, which tests must not: ${blocked.slice(0, 3).join('; ')}`,
    );
  }
});

afterAll(() => {
  const blocked = takeBlockedAttempts();
  if (blocked.length > 0) {
    throw new Error(`A hook tried to reach the network: ${blocked.slice(0, 3).join('; ')}`);
  }
  const leaks = leakingLines();
  if (leaks.length > 0) {
    throw new Error(`Log lines leaked a secret:\n${leaks.slice(0, 5).join('\n')}`);
  }
});
