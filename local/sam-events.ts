import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';

/** The sample events in `events/`, for `sam local invoke -e`. */
export const SAM_EVENTS = ['owner', 'moderator', 'stranger', 'malformed-id', 'no-token'] as const;
export type SamEventName = (typeof SAM_EVENTS)[number];

/** The values an event template refers to as `{{NAME}}`. */
export interface SamEventValues {
  readonly MEETING_ID: string;
  readonly ALICE_ATTENDEE_ID: string;
  readonly TOKEN_ALICE: string;
  readonly TOKEN_MODERATOR: string;
  readonly TOKEN_STRANGER: string;
}

/** Fills an event template; every placeholder must be known. */
function renderEvent(template: string, values: SamEventValues): APIGatewayProxyEventV2 {
  const text = template.replace(/\{\{([A-Z_]+)\}\}/g, (_match, name: string) => {
    const value = (values as unknown as Record<string, string | undefined>)[name];
    if (value === undefined) throw new Error(`unknown placeholder {{${name}}}`);
    return value;
  });
  return JSON.parse(text) as APIGatewayProxyEventV2;
}

/** Reads `events/<name>.json` under `root` and fills it. */
export function loadEvent(root: string, name: SamEventName, values: SamEventValues) {
  return renderEvent(readFileSync(join(root, 'events', `${name}.json`), 'utf8'), values);
}
