// Bundled in place of @aws-sdk/credential-provider-node: Lambda gives credentials in the
// environment, and the default chain's other providers would be a third of the bundle.
import { fromEnv } from '@aws-sdk/credential-provider-env';
// Memoized like the default chain: environment credentials do not expire.
export const defaultProvider = (init = {}) => {
  let credentials;
  return () =>
    (credentials ??= fromEnv(init)().catch((error) => {
      credentials = undefined;
      throw error;
    }));
};
