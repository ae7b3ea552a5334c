/** The CDK app: one env-agnostic stack configured from context, checked by cdk-nag (README "Deploy settings"). */
import { App } from 'aws-cdk-lib';
import { AttendeeApiStack } from '../lib/attendee-api-stack';
import { addNagChecks } from '../lib/nag';
import { SettingsError } from '../lib/settings';

const app = new App();

try {
  new AttendeeApiStack(app, 'ChimeAttendeeApi', {
    description: 'Chime SDK attendee BFF: HTTP API, JWT authorizer, GetAttendee Lambda',
  });
} catch (error) {
  if (!(error instanceof SettingsError)) throw error;
  process.stderr.write(`${error.message}\n`);
  process.exit(1);
}

addNagChecks(app);
