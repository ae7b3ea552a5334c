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
import { FUNCTION_SETTINGS } from '../lambda/common/config/settings';
import { acknowledge } from './nag';
import type { COGNITO_FEATURE_PLANS } from './settings';

/** An identity provider that is not created by this stack. */
interface ExternalIdentity {
  /** The `iss` of accepted tokens, exactly (an https URL; a trailing slash is kept). */
  readonly issuer: string;
  /** Accepted `aud` (or, without `aud`, `client_id`) values. */
  readonly audience: readonly string[];
}

const FEATURE_PLANS = {
  lite: FeaturePlan.LITE,
  essentials: FeaturePlan.ESSENTIALS,
  plus: FeaturePlan.PLUS,
} as const;

export interface IdentityProps {
  /** An existing OIDC provider: when given, no user pool is created. */
  readonly external?: ExternalIdentity;
  /** Name of the moderators group created in the pool. @default the function's MODERATOR_GROUP default */
  readonly moderatorGroup?: string;
  /** Let anyone sign up to the created pool. @default false */
  readonly selfSignUp?: boolean;
  /**
   * The pool's tier. `plus` enforces threat protection and is billed per MAU from the first.
   * @default 'lite'
   */
  readonly featurePlan?: (typeof COGNITO_FEATURE_PLANS)[number];
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

    const plan = props.featurePlan ?? 'lite';
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
      featurePlan: FEATURE_PLANS[plan],
      // Threat protection (compromised credentials, risky sign-ins) exists on the Plus tier only.
      ...(plan === 'plus'
        ? { standardThreatProtectionMode: StandardThreatProtectionMode.FULL_FUNCTION }
        : {}),
    });
    acknowledge(userPool, {
      id: 'AwsSolutions-COG2',
      reason:
        'MFA is OPTIONAL (TOTP only) so invited users can sign in to the SPA before enrolling an ' +
        'authenticator.',
    });
    if (plan !== 'plus') {
      acknowledge(userPool, {
        id: 'AwsSolutions-COG8',
        reason:
          'Threat protection needs the Plus tier, billed per monthly active user with no free tier; a first ' +
          'deploy stays on the free-tier plan. Opt in with -c cognitoFeaturePlan=plus.',
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
      groupName: props.moderatorGroup ?? FUNCTION_SETTINGS.moderatorGroup.default,
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
