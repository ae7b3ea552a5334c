import type { IncomingHttpHeaders } from 'node:http';

const REGION = /^[a-z]{2}(?:-[a-z]+)+-\d$/;
// SigV4: `Credential=<key id>/<yyyymmdd>/<region>/<service>/aws4_request`. With an endpoint
// override the SDK still signs for the client's Region (service name `chime`), so the scope is
// where the Region travels when the host is 127.0.0.1.
const CREDENTIAL_SCOPE = /Credential=[^/,\s]+\/\d{8}\/([a-z0-9-]+)\/[a-z0-9-]+\/aws4_request/;
// The service's own host names: meetings-chime.<region>.amazonaws.com, meetings-chime-fips.…
const SERVICE_HOST =
  /^meetings-chime(?:-fips)?\.([a-z0-9-]+)\.(?:amazonaws\.com|api\.aws)(?::\d+)?$/;

/**
 * The Region a request addresses: the SigV4 credential scope (Authorization header, or
 * `X-Amz-Credential` of a presigned URL), else a Chime SDK Meetings host name, else `fallback`
 * (the emulator's configured Region).
 */
export function regionOfRequest(
  headers: IncomingHttpHeaders,
  query: URLSearchParams,
  fallback: string,
): string {
  const scope =
    CREDENTIAL_SCOPE.exec(headers.authorization ?? '')?.[1] ??
    CREDENTIAL_SCOPE.exec(`Credential=${query.get('X-Amz-Credential') ?? ''}`)?.[1] ??
    SERVICE_HOST.exec(headers.host ?? '')?.[1];
  return scope !== undefined && REGION.test(scope) ? scope : fallback;
}
