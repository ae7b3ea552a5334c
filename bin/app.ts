/**
 * The CDK app: one env-agnostic stack, configured from context (`-c key=value` or cdk.json; the
 * README's "Deploy settings" table lists every key), checked by cdk-nag's AWS Solutions rules.
 * A bad or unknown key stops synth with one line naming the key, the value and the rule.
 *
 *   npx cdk synth -c allowedOrigins=https://app.example.com -c chimeRegion=us-east-1
 */
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
