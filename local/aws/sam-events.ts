import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';

/** The sample events in `events/`, for `sam local invoke -e`. */
export const SAM_EVENTS = ['owner', 'moderator', 'stranger', 'malformed-id', 'no-token'] as const;

/** The values an event template refers to as `{{NAME}}`. */
export type SamEventValues = Readonly<
  Record<
    'MEETING_ID' | 'ALICE_ATTENDEE_ID' | 'TOKEN_ALICE' | 'TOKEN_MODERATOR' | 'TOKEN_STRANGER',
    string
  >
>;

/** Reads `events/<name>.json` under `root` and fills it; every placeholder must be known. */
export function loadEvent(
  root: string,
  name: (typeof SAM_EVENTS)[number],
  values: SamEventValues,
): APIGatewayProxyEventV2 {
  const template = readFileSync(join(root, 'events', `${name}.json`), 'utf8');
  const text = template.replace(/\{\{([A-Z_]+)\}\}/g, (_match, key: string) => {
    const value = (values as Readonly<Record<string, string>>)[key];
    if (value === undefined) throw new Error(`unknown placeholder {{${key}}}`);
    return value;
  });
  return JSON.parse(text) as APIGatewayProxyEventV2;
}
