import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import type { NodeHttpHandlerOptions } from '@smithy/node-http-handler';
import type { AuthScheme, RequestSigner } from '@smithy/types';

/** The part of a resolved AWS SDK v3 client config this module changes. */
interface SignerConfig {
  signer: (authScheme?: AuthScheme) => Promise<RequestSigner>;
}

/**
 * Makes a client build its SigV4 signer once per auth scheme instead of once per request.
 *
 * Without a `signer` of its own, a client's resolved `config.signer` (`@aws-sdk/core`,
 * `resolveAwsSdkSigV4Config`) copies the whole client config (`{ ...config }`) and constructs a
 * new `SignatureV4` on every call it signs, on the warm path of every request. Yet the signer it
 * builds holds nothing that changes between requests: the region and service of the scheme, the
 * client's credentials provider (which refreshes expiring credentials itself, on each `sign`)
 * and its hash; the signing date comes with each call (clock-skew corrected by the caller), and
 * the derived signing key is cached by `@smithy/signature-v4` already. So the SDK's own builder
 * runs once per scheme (name, signing name, signing region: all of a scheme the builder reads)
 * and its signer is kept; a build that fails is not kept.
 *
 * Call it once, right after constructing the client, and never replace
 * `client.config.credentials` afterwards: a kept signer holds the provider it was built with.
 *
 * @example
 * const client = new ChimeSDKMeetingsClient({ region });
 * reuseSigners(client.config);
 */
export function reuseSigners(config: SignerConfig): void {
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

/**
 * The request handler options of this project's SDK clients (Chime, DynamoDB): per-attempt
 * time-outs that throw, so the retry strategy sees them, and sockets kept alive between calls.
 */
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
