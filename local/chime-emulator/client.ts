import {
  ChimeSDKMeetingsClient,
  type ChimeSDKMeetingsClientConfig,
} from '@aws-sdk/client-chime-sdk-meetings';

/**
 * A real `ChimeSDKMeetingsClient` pointed at an emulator: endpoint override, `us-east-1` and
 * dummy credentials (the emulator does not check signatures). Overrides win.
 *
 * @example
 * const chime = chimeClientFor(url, { maxAttempts: 1 });
 */
export const chimeClientFor = (
  url: string,
  overrides: ChimeSDKMeetingsClientConfig = {},
): ChimeSDKMeetingsClient =>
  new ChimeSDKMeetingsClient({
    endpoint: url,
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    ...overrides,
  });
