import { createHash, createHmac } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ChimeSDKMeetingsClient, GetAttendeeCommand } from '@aws-sdk/client-chime-sdk-meetings';
import type { AuthScheme, RequestSigner } from '@smithy/types';
import { createChimeClient } from '../../../../lambda/common/chime/chime-client';
import { reuseSigners } from '../../../../lambda/common/chime/sdk-signer';
import { parseConfig } from '../../../../lambda/common/config/settings';
import { createDynamoDbClient } from '../../../../lambda/common/table/dynamodb-client';

const CREDENTIALS = {
  accessKeyId: 'AKIDEXAMPLE',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
};
const REGION = 'eu-central-1';

interface Received {
  readonly method: string;
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
}

const hmac = (key: string | Buffer, data: string) =>
  createHmac('sha256', key).update(data).digest();
const sha256Hex = (data: string) => createHash('sha256').update(data).digest('hex');

/**
 * Checks a received request's SigV4 `Authorization` header from first principles (AWS IAM
 * User Guide, "Create a signed AWS API request"), with node:crypto only, so it cannot share a
 * fault with the SDK's signer. The paths here are ids of hex digits and dashes, which URI
 * encoding leaves as they are; there is no query string and no body.
 */
function expectValidSignature(request: Received, secretAccessKey: string): void {
  const authorization = String(request.headers.authorization);
  const match =
    /^AWS4-HMAC-SHA256 Credential=[^/]+\/(\d{8})\/([a-z0-9-]+)\/([a-z0-9-]+)\/aws4_request, SignedHeaders=([a-z0-9;-]+), Signature=([0-9a-f]{64})$/.exec(
      authorization,
    );
  expect(match).not.toBeNull();
  const [, date, region, service, signedHeaders, signature] = match as unknown as string[];
  const amzDate = String(request.headers['x-amz-date']);
  expect(amzDate.slice(0, 8)).toBe(date);
  const names = (signedHeaders as string).split(';');
  expect(names).toContain('host');
  const canonicalHeaders = names
    .map((name) => `${name}:${String(request.headers[name]).trim().replace(/\s+/g, ' ')}\n`)
    .join('');
  const payloadHash = String(request.headers['x-amz-content-sha256'] ?? sha256Hex(''));
  const canonicalRequest = [
    request.method,
    request.path,
    '',
    canonicalHeaders,
    signedHeaders,
    payloadHash,
  ].join('\n');
  const scope = `${date}/${region}/${service}/aws4_request`;
  const stringToSign = ['AWS4-HMAC-SHA256', amzDate, scope, sha256Hex(canonicalRequest)].join('\n');
  let key: Buffer = hmac(`AWS4${secretAccessKey}`, date as string);
  for (const part of [region as string, service as string, 'aws4_request']) key = hmac(key, part);
  expect(hmac(key, stringToSign).toString('hex')).toBe(signature);
}

let server: Server;
let endpoint: string;
const received: Received[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    received.push({ method: req.method ?? '', path: req.url ?? '', headers: req.headers });
    const [, meetingId, attendeeId] = /^\/meetings\/([^/]+)\/attendees\/([^/]+)$/.exec(
      req.url ?? '',
    ) ?? ['', '', ''];
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(
      JSON.stringify({
        Attendee: { AttendeeId: attendeeId, ExternalUserId: `user-of-${meetingId}` },
      }),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
beforeEach(() => {
  received.length = 0;
});

const ids = (n: number) => ({
  MeetingId: `2c8f9d5c-3f6e-4b8a-9f2d-1a2b3c4d5e${n.toString(16).padStart(2, '0')}`,
  AttendeeId: `9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c${n.toString(16).padStart(2, '0')}`,
});

describe('reuseSigners', () => {
  it('builds the SDK signer once for many requests, and each request is still signed correctly', async () => {
    const client = new ChimeSDKMeetingsClient({
      region: REGION,
      endpoint,
      credentials: { ...CREDENTIALS },
    });
    try {
      const sdkBuild = client.config.signer;
      let builds = 0;
      client.config.signer = (scheme) => {
        builds += 1;
        return sdkBuild(scheme);
      };
      reuseSigners(client.config);

      const answers = [];
      for (let n = 0; n < 3; n += 1)
        answers.push(await client.send(new GetAttendeeCommand(ids(n))));

      expect(builds).toBe(1);
      expect(answers.map((a) => a.Attendee?.AttendeeId)).toEqual(
        [0, 1, 2].map((n) => ids(n).AttendeeId),
      );
      expect(received.map((r) => r.path)).toEqual(
        [0, 1, 2].map((n) => `/meetings/${ids(n).MeetingId}/attendees/${ids(n).AttendeeId}`),
      );
      for (const request of received) {
        expect(String(request.headers.authorization)).toContain(`/${REGION}/chime/aws4_request`);
        expectValidSignature(request, CREDENTIALS.secretAccessKey);
      }
    } finally {
      client.destroy();
    }
  });

  it('keeps one signer per auth scheme: another signing region or name gets its own', async () => {
    const built: (AuthScheme | undefined)[] = [];
    const config = {
      signer: async (scheme?: AuthScheme) => {
        built.push(scheme);
        return { sign: async (request) => request } as RequestSigner;
      },
    };
    reuseSigners(config);
    const scheme = (signingRegion: string, signingName = 'chime') =>
      ({ name: 'sigv4', signingName, signingRegion, properties: {} }) as unknown as AuthScheme;

    const first = await config.signer(scheme('us-east-1'));
    expect(await config.signer(scheme('us-east-1'))).toBe(first);
    const other = await config.signer(scheme('eu-central-1'));
    const otherName = await config.signer(scheme('us-east-1', 'dynamodb'));
    const none = await config.signer(undefined);

    expect(new Set([first, other, otherName, none]).size).toBe(4);
    expect(await config.signer(undefined)).toBe(none);
    expect(built.map((s) => (s as { signingRegion?: string } | undefined)?.signingRegion)).toEqual([
      'us-east-1',
      'eu-central-1',
      'us-east-1',
      undefined,
    ]);
  });

  it('does not keep a build that failed: the next request builds again', async () => {
    let attempts = 0;
    const signer = { sign: async (request) => request } as RequestSigner;
    const config = {
      signer: async () => {
        attempts += 1;
        if (attempts === 1) throw new Error('region provider failed');
        return signer;
      },
    };
    reuseSigners(config);

    await expect(config.signer()).rejects.toThrow('region provider failed');
    expect(await config.signer()).toBe(signer);
    expect(await config.signer()).toBe(signer);
    expect(attempts).toBe(2);
  });
});

describe('the clients of a container', () => {
  it('the Chime client signs every call with one signer', async () => {
    const config = parseConfig({
      CHIME_REGION: REGION,
      CHIME_ENDPOINT: endpoint,
      JWT_ISSUER: 'https://issuer.example.com',
      JWT_AUDIENCE: 'api',
    });
    const client = createChimeClient(config, undefined, CREDENTIALS);
    try {
      await client.send(new GetAttendeeCommand(ids(7)));
      expect(await client.config.signer()).toBe(await client.config.signer());
      expect(received).toHaveLength(1);
      expectValidSignature(received[0] as Received, CREDENTIALS.secretAccessKey);
    } finally {
      client.destroy();
    }
  });

  it('the DynamoDB client keeps one signer too', async () => {
    const client = createDynamoDbClient({
      region: REGION,
      endpoint,
      credentials: CREDENTIALS,
      requestTimeoutMs: 500,
      maxAttempts: 2,
    });
    try {
      expect(await client.config.signer()).toBe(await client.config.signer());
    } finally {
      client.destroy();
    }
  });
});
