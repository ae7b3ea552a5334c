import { Duration, Stack } from 'aws-cdk-lib';
import {
  AccountRecovery,
  FeaturePlan,
  Mfa,
  StandardThreatProtectionMode,
  UserPool,
  type UserPoolClient,
} from 'aws-cdk-lib/aws-cognito';
import { Construct } from 'constructs';
import { acknowledge } from './nag';
import type { ExternalIdentity } from './settings';

/** The group the Lambda treats as moderators when `MODERATOR_GROUP` is not set. */
export const DEFAULT_MODERATOR_GROUP = 'moderators';

export interface IdentityProps {
  /** An existing OIDC provider: when given, no user pool is created. */
  readonly external?: ExternalIdentity;
  /** Name of the moderators group created in the pool. @default 'moderators' */
  readonly moderatorGroup?: string;
  /** Let anyone sign up to the created pool. @default false */
  readonly selfSignUp?: boolean;
}

/**
 * Who issues the tokens the API accepts: the given OIDC provider, or a Cognito user pool created
 * here with a single-page-app client and a moderators group. Either way, `issuer` and `audience`
 * are what both the HTTP API's JWT authorizer and the Lambda verify.
 */
export class Identity extends Construct {
  readonly issuer: string;
  readonly audience: readonly string[];
  readonly userPool: UserPool | undefined;
  readonly client: UserPoolClient | undefined;

  constructor(scope: Construct, id: string, props: IdentityProps = {}) {
    super(scope, id);
    if (props.external) {
      this.issuer = props.external.issuer;
      this.audience = props.external.audience;
      return;
    }

    const userPool = new UserPool(this, 'UserPool', {
      selfSignUpEnabled: props.selfSignUp ?? false,
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
      // Plus tier: threat protection blocks compromised credentials and risky sign-ins.
      featurePlan: FeaturePlan.PLUS,
      standardThreatProtectionMode: StandardThreatProtectionMode.FULL_FUNCTION,
    });
    acknowledge(userPool, {
      id: 'AwsSolutions-COG2',
      reason:
        'MFA is OPTIONAL (TOTP only) so invited users can sign in to the SPA before enrolling an ' +
        'authenticator; Plus-tier threat protection (ENFORCED) challenges or blocks risky sign-ins.',
    });

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
      groupName: props.moderatorGroup ?? DEFAULT_MODERATOR_GROUP,
      description: 'May read attendees they do not own; never receives their JoinToken.',
    });

    this.userPool = userPool;
    this.client = client;
    // Spelled out rather than the ProviderURL attribute: this is the `iss` Cognito writes, and
    // the form the Lambda recognises as a user pool (as CDK's HttpUserPoolAuthorizer builds it).
    this.issuer = `https://cognito-idp.${Stack.of(this).region}.amazonaws.com/${userPool.userPoolId}`;
    this.audience = [client.userPoolClientId];
  }
}
