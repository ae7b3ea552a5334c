/**
 * The CDK app: one env-agnostic stack, configured from context (`-c key=value` or cdk.json; every
 * key and its default is listed in `lib/settings.ts`), checked by cdk-nag's AWS Solutions rules.
 *
 *   npx cdk synth -c allowedOrigins=https://app.example.com -c chimeRegion=us-east-1
 */
import { App } from 'aws-cdk-lib';
import { AttendeeApiStack } from '../lib/attendee-api-stack';
import { addNagChecks } from '../lib/nag';
import { readContextSettings } from '../lib/settings';

const app = new App();

new AttendeeApiStack(app, 'ChimeAttendeeApi', {
  description: 'Chime SDK attendee BFF: HTTP API, JWT authorizer, GetAttendee Lambda',
  settings: readContextSettings(app.node),
});

addNagChecks(app);
