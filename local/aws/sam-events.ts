import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';

/** The sample events in `events/`, for `sam local invoke -e`. */
export const SAM_EVENTS = ['owner', 'moderator', 'stranger', 'malformed-id', 'no-token'] as const;

/** Reads `events/<name>.json` under `root`, its `{{NAME}}`s filled from `values`. */
export function loadEvent(
  root: string,
  name: (typeof SAM_EVENTS)[number],
  values: Readonly<Record<string, string>>,
): APIGatewayProxyEventV2 {
  const template = readFileSync(join(root, 'events', `${name}.json`), 'utf8');
  const text = template.replace(/\{\{([A-Z_]+)\}\}/g, (_match, key: string) => {
    const value = values[key];
    if (value === undefined) throw new Error(`unknown placeholder {{${key}}}`);
    return value;
  });
  return JSON.parse(text) as APIGatewayProxyEventV2;
}
