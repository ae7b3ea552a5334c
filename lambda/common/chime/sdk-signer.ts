import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import type { NodeHttpHandlerOptions } from '@smithy/node-http-handler';
import type { AuthScheme, RequestSigner } from '@smithy/types';

/** One SigV4 signer per auth scheme, not per request; never replace the client's credentials. */
export function reuseSigners(config: {
  signer: (authScheme?: AuthScheme) => Promise<RequestSigner>;
}): void {
  const build = config.signer;
  const signers = new Map<string, Promise<RequestSigner>>();
  config.signer = (authScheme) => {
    const key = `${authScheme?.name}\n${authScheme?.signingName}\n${authScheme?.signingRegion}`;
    let signer = signers.get(key);
    if (signer === undefined) {
      signer = build(authScheme);
      signers.set(key, signer);
      signer.catch(() => signers.delete(key));
    }
    return signer;
  };
}

/** Per-attempt time-outs that throw (the retry strategy sees them) and kept-alive sockets. */
export const keptAliveSockets = (
  connectionTimeout: number,
  requestTimeout: number,
): NodeHttpHandlerOptions => ({
  connectionTimeout,
  requestTimeout,
  throwOnRequestTimeout: true,
  httpAgent: new HttpAgent({ keepAlive: true, maxSockets: 50 }),
  httpsAgent: new HttpsAgent({ keepAlive: true, maxSockets: 50 }),
});
