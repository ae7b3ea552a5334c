import { Duration, Stack } from 'aws-cdk-lib';
import {
  AccountRecovery,
  FeaturePlan,
  Mfa,
  StandardThreatProtectionMode,
  UserPool,
} from 'aws-cdk-lib/aws-cognito';
import { Construct } from 'constructs';
import { acknowledge } from './nag';
import type { AttendeeApiSettings } from './settings';

/**
 * Who issues the tokens the authorizer and the Lambda verify: the given OIDC provider, or a Cognito
 * user pool created here with a single-page-app client and a moderators group.
 */
export class Identity extends Construct {
  readonly issuer: string;
  readonly audience: readonly string[];
  readonly userPool: UserPool | undefined;

  constructor(scope: Construct, id: string, settings: AttendeeApiSettings) {
    super(scope, id);
    if (settings.identityIssuer && settings.identityAudience) {
      this.issuer = settings.identityIssuer;
      this.audience = settings.identityAudience;
      return;
    }
    const plan = settings.cognitoFeaturePlan;
    const userPool = new UserPool(this, 'UserPool', {
      selfSignUpEnabled: settings.selfSignUp,
      signInAliases: { email: true },
      autoVerify: { email: true },
      accountRecovery: AccountRecovery.EMAIL_ONLY,
      passwordPolicy: {
        minLength: 12,
        requireLowercase: true,
        requireUppercase: true,
        requireDigits: true,
        requireSymbols: true,
        tempPasswordValidity: Duration.days(3),
      },
      mfa: Mfa.OPTIONAL,
      mfaSecondFactor: { otp: true, sms: false },
      featurePlan: FeaturePlan[plan.toUpperCase() as Uppercase<typeof plan>],
      ...(plan === 'plus' && {
        standardThreatProtectionMode: StandardThreatProtectionMode.FULL_FUNCTION,
      }),
    });
    acknowledge(userPool, {
      id: 'AwsSolutions-COG2',
      reason:
        'MFA is OPTIONAL (TOTP only) so invited users can sign in to the SPA before enrolling an authenticator.',
    });
    if (plan !== 'plus') {
      acknowledge(userPool, {
        id: 'AwsSolutions-COG8',
        reason:
          'Threat protection needs the Plus tier, billed per monthly active user with no free tier; a first deploy stays on the free-tier plan. Opt in with -c cognitoFeaturePlan=plus.',
      });
    }
    // A browser app cannot keep a secret: SRP only, no OAuth flows or hosted UI.
    const client = userPool.addClient('SpaClient', {
      generateSecret: false,
      authFlows: { userSrp: true },
      disableOAuth: true,
      preventUserExistenceErrors: true,
      enableTokenRevocation: true,
      accessTokenValidity: Duration.hours(1),
      idTokenValidity: Duration.hours(1),
      refreshTokenValidity: Duration.days(30),
    });
    userPool.addGroup('Moderators', {
      groupName: settings.moderatorGroup,
      description: 'May read attendees they do not own; never receives their JoinToken.',
    });
    this.userPool = userPool;
    // The `iss` Cognito writes, in the form the Lambda recognises as a user pool.
    this.issuer = `https://cognito-idp.${Stack.of(this).region}.amazonaws.com/${userPool.userPoolId}`;
    this.audience = [client.userPoolClientId];
  }
}
