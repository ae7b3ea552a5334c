// Bundled in place of @aws-sdk/credential-provider-node (see lib/bundling.ts).
// Lambda always gives credentials in the environment: the default chain's other providers
// (SSO, INI, process, web identity, IMDS, HTTP) and their nested STS/SSO clients are dead weight.
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
