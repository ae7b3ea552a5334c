/** `npm run sam:events`: `events/*.json` filled with the running demo and fresh tokens. */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadEvent, SAM_EVENTS } from '../aws/sam-events';
import { IdentityProvider } from '../identity/identity-provider';
import type { DemoSeed } from './dev-stack';
import { DEMO_FILE, LOCAL_KEY_DIR } from './stack-file';

if (!existsSync(DEMO_FILE)) {
  process.stderr.write(`${DEMO_FILE} not found: start the local stack first (npm start)\n`);
  process.exit(2);
}
const demo = JSON.parse(readFileSync(DEMO_FILE, 'utf8')) as DemoSeed;
const issuer = process.env.IDP_ISSUER || 'http://host.docker.internal:3002';
const idp = new IdentityProvider({ keyDir: LOCAL_KEY_DIR, issuer });
const values = {
  MEETING_ID: demo.meetingId,
  ALICE_ATTENDEE_ID: demo.attendees.alice,
  TOKEN_ALICE: await idp.mint({ sub: 'alice' }),
  TOKEN_MODERATOR: await idp.mint({ sub: 'maria', groups: ['moderators'] }),
  TOKEN_STRANGER: await idp.mint({ sub: 'mallory' }),
};
const out = join(process.cwd(), '.local', 'events');
mkdirSync(out, { recursive: true });
for (const name of SAM_EVENTS) {
  const event = loadEvent(process.cwd(), name, values);
  writeFileSync(join(out, `${name}.json`), `${JSON.stringify(event, null, 2)}\n`, { mode: 0o600 });
}
process.stdout.write(`wrote ${SAM_EVENTS.map((n) => `.local/events/${n}.json`).join(', ')}\n`);
