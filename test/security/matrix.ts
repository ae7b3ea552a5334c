/**
 * The security test matrix (docs/security.md, from the research's §7): one row per case. Tests
 * in test/security carry a row's id in brackets at the start of their name, e.g.
 * `it('[B6] rejects alg none …')`; `matrix.test.ts` fails when a row has neither a tagged test
 * nor a reason it does not apply, and `scripts/security-matrix.ts` renders the table from a run.
 */

export const GROUPS = Object.freeze({
  A: 'Request / input validation',
  B: 'Authentication / JWT',
  C: 'Authorization / BOLA / property level',
  D: 'Upstream fault translation',
  E: 'Retry / timeout budget',
  F: 'Response hygiene',
  G: 'Log hygiene',
  H: 'Load / resilience',
  I: 'Infrastructure / configuration',
} as const);

export type GroupId = keyof typeof GROUPS;

export interface MatrixRow {
  readonly id: string;
  readonly group: GroupId;
  readonly case: string;
  readonly expected: string;
  /** Why no automated test can cover this row here. */
  readonly notApplicable?: string;
  /** Existing tests outside test/security that also cover the row (file › test name). */
  readonly seeAlso?: readonly string[];
}

type Row = Omit<MatrixRow, 'group'>;

const HANDLER_TEST = 'test/lambda/attendee/handler.test.ts';
const INTEGRATION_TEST = 'test/local/cli/api-integration.test.ts';
const STACK_TEST = 'test/lib/attendee-api-stack.test.ts';
const NAG_TEST = 'test/lib/nag.test.ts';
const GATEWAY_TEST = 'test/local/aws/http-api-gateway.test.ts';
const DISCOVERY_TEST = 'test/lambda/attendee/auth/oidc-discovery.test.ts';
const CONFORMANCE_TEST = 'test/contract/api-conformance.test.ts';
const CACHE_STACK_TEST = 'test/lib/attendee-cache.test.ts';

const A: Row[] = [
  {
    id: 'A1',
    case: '`meetingId` not a UUID (`abc`)',
    expected: '400 problem+json; Chime not called',
  },
  { id: 'A2', case: '`attendeeId` not a UUID', expected: '400; Chime not called' },
  {
    id: 'A3',
    case: 'Valid UUIDs in upper-case hex',
    expected: 'Proceeds; IDs canonicalised (lower case) before any lookup',
  },
  {
    id: 'A4',
    case: 'UUID + whitespace / `%0A` / trailing characters',
    expected: '400 (anchored pattern)',
  },
  {
    id: 'A5',
    case: 'Encoded traversal / encoded slash in a segment (`..%2F`, `%2e%2e`)',
    expected: '400 or gateway 404; never a modified Chime path',
  },
  {
    id: 'A6',
    case: 'Oversized segment (8 KB) / request line + headers over the limit',
    expected: '400 (λ) or a gateway 4xx; no crash',
  },
  { id: 'A7', case: 'Extra segment / trailing slash', expected: 'Gateway 404; λ not invoked' },
  {
    id: 'A8',
    case: 'POST/PUT/PATCH/DELETE/HEAD on the route',
    expected: 'Never 2xx; λ not invoked; gateway status documented',
  },
  {
    id: 'A9',
    case: 'Unknown query parameters (`?includeToken=1&attendeeId=other`)',
    expected: 'Ignored; response identical to the baseline',
  },
  {
    id: 'A10',
    case: '`/`, `/meetings`, arbitrary path',
    expected: '404; no `$default` / `{proxy+}` route',
  },
  {
    id: 'A11',
    case: 'Body / odd `Content-Type` on GET',
    expected: 'Ignored; same result (a payload over 10 MB: gateway 413, before it is read)',
    seeAlso: [
      `${GATEWAY_TEST} › the local HTTP API, where it must match API Gateway › refuses a body whose Content-Length is over 10 MB with 413, before reading it`,
    ],
  },
  {
    id: 'A12',
    case: 'NUL / non-UTF-8 bytes in the path; an unparseable request target',
    expected: '400 (never 5xx)',
    seeAlso: [
      `${GATEWAY_TEST} › the local HTTP API, where it must match API Gateway › answers an unparseable request target (http://[) with 400 and logs it without the target`,
    ],
  },
];

const B: Row[] = [
  {
    id: 'B1',
    case: 'No `Authorization`',
    expected: '401, `WWW-Authenticate: Bearer …` without an error code',
    seeAlso: [
      `${HANDLER_TEST} › authentication › answers 401 with a bare Bearer challenge when no token is sent, without calling Chime`,
    ],
  },
  { id: 'B2', case: 'Non-Bearer scheme (`Basic`)', expected: '401' },
  { id: 'B3', case: '`Bearer` + empty / whitespace token', expected: '401, consistently' },
  { id: 'B4', case: 'Not a JWT / 2 parts / 4 parts', expected: '401 `invalid_token`' },
  { id: 'B5', case: 'Header / payload not JSON or not an object', expected: '401' },
  { id: 'B6', case: '`alg: none`, unsigned', expected: '401' },
  { id: 'B7', case: 'HS256 signed with the RSA public key (algorithm confusion)', expected: '401' },
  {
    id: 'B8',
    case: 'Disallowed algorithm (PS256, RS384 vs an RS256 JWK, ES256, missing alg)',
    expected: '401',
  },
  { id: 'B9', case: 'Payload tampered (bad signature)', expected: '401' },
  { id: 'B10', case: '`kid` missing / not a string', expected: '401' },
  {
    id: 'B11',
    case: 'Unknown `kid`; a flood of random kids',
    expected: '401; at most one JWKS fetch per penalty window',
  },
  {
    id: 'B12',
    case: 'Key rotation: a new kid published after the cache is warm',
    expected: '200 after exactly one refetch',
  },
  { id: 'B13', case: '`exp` past; `exp` == now', expected: '401 (generic description)' },
  { id: 'B14', case: '`exp` missing', expected: '401' },
  {
    id: 'B15',
    case: '`nbf` in the future beyond the skew; within `graceSeconds`',
    expected: '401; accepted within the grace',
  },
  {
    id: 'B16',
    case: '`iat` in the future',
    expected: '401 (the gateway authorizer checks it; mirror it in λ)',
  },
  {
    id: 'B17',
    case: 'Wrong `iss` (another issuer, trailing-slash variant)',
    expected: '401 (the issuer is compared exactly as configured, never normalised)',
  },
  {
    id: 'B18',
    case: 'Wrong `aud`; an `aud` array containing ours; no `aud` but our `client_id`',
    expected:
      '401; accepted; accepted (the HTTP API authorizer’s rule: `aud` when present, else `client_id`)',
  },
  {
    id: 'B19',
    case: 'Cognito **ID token** on the access-token route',
    expected: '401 in λ (`token_use`); never 200',
  },
  {
    id: 'B20',
    case: 'Valid token, missing scope',
    expected: '403, `WWW-Authenticate: Bearer error="insufficient_scope"`',
    notApplicable:
      'The API defines no OAuth scopes (one read-only operation, no scope model in λ or on the route). ' +
      'ID tokens are refused by `token_use` for a Cognito issuer ([B19]) and by audience for an ' +
      'external one. Residual risk and recommendation (require a scope on the route) in the threat model.',
  },
  {
    id: 'B21',
    case: 'Token only in the query string (`?access_token=`)',
    expected: '401; the URL is never read',
  },
  {
    id: 'B22',
    case: 'JWKS (or the OIDC discovery document) unreachable / slower than the fetch timeout on a cold start',
    expected: 'λ: 503 + `Retry-After` (not 401)',
    seeAlso: [
      `${DISCOVERY_TEST} › discovery in the container, through the real handler › answers 503 with Retry-After when the discovery document %s, logs the URL and why, and recovers`,
    ],
  },
];

const C: Row[] = [
  {
    id: 'C1',
    case: 'The caller is the attendee',
    expected: '200 with `AttendeeId`, `JoinToken`',
  },
  {
    id: 'C2',
    case: 'Another attendee of the same meeting',
    expected: '404; no JoinToken or ExternalUserId anywhere',
  },
  { id: 'C3', case: "The caller's own attendeeId with a different meetingId", expected: '404' },
  { id: 'C4', case: 'Cross-meeting / cross-tenant attendee', expected: '404' },
  {
    id: 'C5',
    case: 'Moderator reads another attendee',
    expected:
      '200 **without** `JoinToken` (under `MODERATOR_SCOPE=tenant`, in meetings of its tenants only)',
  },
  {
    id: 'C6',
    case: 'A non-moderator attempts a moderator-only capability (BFLA); a moderator of another tenant under tenant scope',
    expected: '404',
  },
  {
    id: 'C7',
    case: 'Existence oracle: "exists, not yours" vs "doesn\'t exist"',
    expected: 'Identical status, headers (but date / request ids), body (but requestId)',
    seeAlso: [
      `${HANDLER_TEST} › the JoinToken policy, through the real Middy chain › answers a stranger exactly like a real not-found, apart from the request id`,
      `${INTEGRATION_TEST} › the policy over real HTTP, against the emulator › answers bob, a participant of the same meeting, exactly like a missing attendee`,
    ],
  },
  { id: 'C8', case: "Upper-case variant of someone else's IDs", expected: 'Still denied' },
  {
    id: 'C9',
    case: 'Denied request: Chime calls',
    expected:
      'One GetAttendee (none on a cache hit; the suite runs with the caches off), compared before any field is emitted',
  },
  {
    id: 'C10',
    case: "Attendee `ExternalUserId` ≠ the caller's identity (near collisions, separator edges)",
    expected: '404',
  },
  {
    id: 'C11',
    case: 'Gateway-stringified array claims (`"[admin user]"`)',
    expected: 'Parsed exactly; no substring bypass (`[notadmin]` ≠ admin)',
  },
];

const D: Row[] = [
  { id: 'D1', case: 'Injected `NotFoundException`', expected: '404' },
  {
    id: 'D2',
    case: 'Injected `BadRequestException` (after our validation passed)',
    expected: '502, error-level log',
  },
  {
    id: 'D3',
    case: 'Injected `UnauthorizedException`',
    expected: '502 upstream_credentials; no `WWW-Authenticate`',
  },
  {
    id: 'D4',
    case: 'Injected `ForbiddenException`',
    expected: '502 upstream_credentials, error-level log (the credentials alarm)',
  },
  {
    id: 'D5',
    case: 'Injected `ThrottlingException`, persistent',
    expected: '503 + `Retry-After`; attempts == maxAttempts',
  },
  { id: 'D6', case: '`ThrottlingException` once, then OK', expected: '200; attempts == 2' },
  {
    id: 'D7',
    case: '`ServiceUnavailableException` with `Retry-After: 7`, persistent',
    expected: '503 + `Retry-After: 7`',
  },
  {
    id: 'D8',
    case: 'Retry-After `86400` / `abc` / an HTTP-date',
    expected: 'Clamped to ≤ 60, or the default',
  },
  {
    id: 'D9',
    case: '`ServiceFailureException`, persistent',
    expected: '502, retried up to maxAttempts',
  },
  {
    id: 'D10',
    case: '`ConflictException`, `LimitExceededException`, `UnprocessableEntityException`',
    expected: '502',
  },
  { id: 'D11', case: 'Unmodeled error / non-JSON 5xx body', expected: '502' },
  {
    id: 'D12',
    case: 'Upstream hangs',
    expected: 'TimeoutError within the per-attempt budget; 504 before the deadline',
  },
  {
    id: 'D13',
    case: 'ECONNREFUSED / ENOTFOUND / EAI_AGAIN',
    expected: 'Retried; final 502',
  },
  {
    id: 'D14',
    case: 'ECONNRESET',
    expected: 'Retried; 200 if a later attempt succeeds, else 502',
  },
  {
    id: 'D15',
    case: 'Credentials provider failure (and expired or refused credentials, a bad signature)',
    expected: '502 upstream_credentials (alarm); no retry storm',
    seeAlso: [
      `${HANDLER_TEST} › the error table › an expired session token → 502 upstream_credentials`,
      `${HANDLER_TEST} › the error table › a bad signature → 502 upstream_credentials`,
    ],
  },
  {
    id: 'D16',
    case: '200 without `Attendee` or `JoinToken`',
    expected: '502 (never 200 with a null token)',
  },
  {
    id: 'D17',
    case: '200 with `AttendeeId` ≠ requested / extra fields',
    expected: '502 / extra fields dropped',
  },
  {
    id: 'D18',
    case: 'The handler exceeds its budget (Middy early timeout)',
    expected: '504 problem+json (not 408, not a gateway 500)',
    seeAlso: [
      `${HANDLER_TEST} › the Lambda deadline › answers 504 problem+json through Middy's early timeout when the invocation is about to time out`,
    ],
  },
];

const E: Row[] = [
  {
    id: 'E1',
    case: 'Non-retryable errors (400/401/403/404)',
    expected: 'Exactly 1 attempt',
  },
  {
    id: 'E2',
    case: 'Retryable errors',
    expected: 'Attempts ≤ the configured maximum; attempts logged',
  },
  {
    id: 'E3',
    case: 'Retry-After hint from Chime; backoff near the deadline',
    expected: 'Waits within the budget; total < deadline; the upstream error (503) survives',
    seeAlso: [
      `${INTEGRATION_TEST} › upstream faults injected in the emulator › ThrottlingException → 503 upstream_throttled`,
    ],
  },
  {
    id: 'E4',
    case: 'Sustained failures in one container',
    expected: 'Retry quota exhausted, then fail fast without retries',
  },
  {
    id: 'E5',
    case: '`requestTimeout` with `throwOnRequestTimeout` (pinned smithy)',
    expected: 'A slow attempt throws `TimeoutError` and is retried',
  },
  {
    id: 'E6',
    case: 'Middy `signal` reaches the call in flight (call scope → request handler)',
    expected: 'In-flight call aborted at the deadline → 504',
  },
  {
    id: 'E7',
    case: 'Configuration: SDK worst case < deadline < Lambda timeout < 30 s gateway cap',
    expected: 'Holds for the deployed settings',
  },
];

const F: Row[] = [
  {
    id: 'F1',
    case: '200 headers',
    expected:
      '`no-store`, `application/json`, `nosniff`, HSTS, CSP, `X-Frame-Options: DENY`, `Referrer-Policy: no-referrer`',
  },
  {
    id: 'F2',
    case: 'Every λ error',
    expected: 'problem+json; `status` == HTTP status; no stack, upstream message, ARN',
  },
  { id: 'F3', case: 'Error caching', expected: '`Cache-Control: no-store` on 4xx/5xx' },
  {
    id: 'F4',
    case: '`WWW-Authenticate`',
    expected: 'Present on 401; absent on 502 upstream-auth',
  },
  {
    id: 'F5',
    case: '`Retry-After` visibility',
    expected:
      'Present on 503 and in `Access-Control-Expose-Headers` (the gateway’s CORS, when configured)',
  },
  {
    id: 'F6',
    case: 'Preflight from an allowed origin',
    expected: '204 from the gateway: exact origin, GET, authorization, Max-Age; λ not invoked',
  },
  {
    id: 'F7',
    case: 'Disallowed / `null` origin',
    expected: 'No ACAO; never `*`; the function itself sends no CORS header',
    seeAlso: [
      `${HANDLER_TEST} › headers on every response › allows no origin itself, whatever the request says`,
    ],
  },
  {
    id: 'F8',
    case: 'JoinToken placement',
    expected: 'Only in the JSON body; never in a header, URL or redirect',
  },
  {
    id: 'F9',
    case: 'Response schema',
    expected:
      'Allow-listed fields only; no ExternalUserId for non-owners (moderators excepted by design, see the threat model)',
  },
  {
    id: 'F10',
    case: 'Gateway-generated errors',
    expected: 'Shapes documented (`{"message"}` vs problem+json)',
  },
];

const G: Row[] = [
  {
    id: 'G1',
    case: 'Every test: captured logs scanned',
    expected: 'No JWT, JoinToken, ExternalUserId or Authorization header; the scanner is proven',
  },
  {
    id: 'G2',
    case: 'Production configuration',
    expected: 'No event logging (`POWERTOOLS_LOGGER_LOG_EVENT`, `logEvent`)',
  },
  {
    id: 'G3',
    case: 'SDK logger enabled',
    expected: '`***SensitiveInformation***` for JoinToken and ExternalUserId',
  },
  {
    id: 'G4',
    case: 'Middy error handler',
    expected: 'No default `console.error` dump of the error',
  },
  { id: 'G5', case: 'JWT verifier errors', expected: 'No raw token in the log' },
  {
    id: 'G6',
    case: 'Access-log format',
    expected: 'JSON with requestId, status, integration and authorizer errors; no claims',
  },
];

const H: Row[] = [
  {
    id: 'H1',
    case: 'Steady load (owners, strangers, faults)',
    expected: 'No λ 5xx outside injected faults; every response in contract',
  },
  {
    id: 'H2',
    case: 'Burst above the stage throttle',
    expected: 'Gateway 429s; λ invocations ≤ limit; no Chime calls for throttled requests',
    notApplicable:
      'Needs a deployed stage: the local gateway stand-in has no throttling. The stage throttle ' +
      '(rate 50, burst 100) is asserted on the template by [I4] and the 429 alarm by the test/lib tests.',
  },
  {
    id: 'H3',
    case: 'One principal enumerating IDs',
    expected:
      'Zero data exposure; past the caller budget, 429 + Retry-After (the budget is lifted in this test, and proven in the contract test below)',
    seeAlso: [
      `${CONFORMANCE_TEST} › %s, for a caller over its budget › answers 429 too_many_requests with Retry-After once a stranger spent its Chime calls`,
    ],
  },
  {
    id: 'H4',
    case: 'Chime returns ~30 % Throttling',
    expected: 'Clients get 200 or 503 + Retry-After; Chime calls ≤ (1 + retries) × inbound',
  },
  {
    id: 'H5',
    case: 'Chime +3 s latency',
    expected: '504s within the budget; no Lambda hard timeouts',
  },
  {
    id: 'H6',
    case: 'Cold burst of 100 concurrent requests',
    expected: 'JWKS fetched once per container; no JWKS wait errors',
  },
  {
    id: 'H7',
    case: 'Reserved concurrency exhausted',
    expected: 'Gateway status observed and documented; Chime not overloaded',
    notApplicable:
      'Needs a deployed stage (Lambda throttling is not emulated locally), and no reserved concurrency ' +
      'is set by default (a new account may not have it to give; `-c reservedConcurrency=N` sets one). ' +
      'Its absence ([I8]), the context setting and the throttles alarm are asserted by the test/lib tests below.',
    seeAlso: [
      `${STACK_TEST} › the default stack (Cognito identity, defaults from context) › runs the function on nodejs22.x, arm64, 512 MB, 10 s, ESM handler index.handler, no reserved concurrency`,
      `${STACK_TEST} › the stack configured through context › sizes the function from context, with the reserved concurrency asked for`,
      `${STACK_TEST} › the default stack (Cognito identity, defaults from context) › alarms on Lambda throttles and on 429s counted from the access log`,
    ],
  },
  {
    id: 'H8',
    case: 'One-hour soak',
    expected: 'Stable memory (bounded caches), no socket exhaustion',
    notApplicable:
      'A one-hour soak belongs to a staging run. `npm run load` (scripts/load.ts) fails when RSS grows by ' +
      'more than 10 % after warm-up over its run; figures in this document.',
  },
];

const I: Row[] = [
  {
    id: 'I1',
    case: 'cdk-nag AwsSolutions in CI',
    expected: 'Synth fails on unacknowledged findings',
    seeAlso: [
      `${NAG_TEST} › cdk-nag AwsSolutions on %s › reports no unacknowledged finding, error or warning`,
    ],
  },
  {
    id: 'I2',
    case: 'APIG1 / access logging, structured',
    expected: 'Stage access log with a JSON format',
  },
  {
    id: 'I3',
    case: 'APIG4: authorization on every route',
    expected: 'Every route JWT (not NONE); no explicit OPTIONS route',
  },
  { id: 'I4', case: 'Default stage throttling', expected: 'Burst + rate set' },
  { id: 'I5', case: 'IAM4', expected: 'No `AWSLambdaBasicExecutionRole`' },
  {
    id: 'I6',
    case: 'IAM5 / star permissions',
    expected:
      'The Chime reads scoped to this account’s meeting ARNs (any region); the cache table and its key granted to the three functions only (attendee, invalidation, prefetch); remaining wildcards acknowledged',
    seeAlso: [
      `${CACHE_STACK_TEST} › the shared cache (default: -c sharedCache=true) › grants the table and its key to those two roles only`,
    ],
  },
  {
    id: 'I7',
    case: 'L1 / latest runtime',
    expected: 'Current Node runtime; no log-retention custom-resource Lambda',
  },
  {
    id: 'I8',
    case: 'Memory / timeout explicit; log retention; reserved concurrency; tracing',
    expected:
      'Memory, timeout, retention set; no reserved concurrency by default (`-c reservedConcurrency=N`); X-Ray tracing not enabled (a recommendation in the threat model)',
  },
  {
    id: 'I9',
    case: 'LambdaDLQ / async failure destination',
    expected:
      'Attendee function: not needed, invoked synchronously by API Gateway only. Invalidation function: invoked by the aws.chime rule only; failed events retried, then kept in an encrypted dead-letter queue. Prefetch function: invoked by its queue’s event source only; failed messages redelivered, then kept in its own dead-letter queue',
    seeAlso: [
      `${CACHE_STACK_TEST} › the shared cache (default: -c sharedCache=true) › targets the invalidation function with retries and the encrypted, TLS-only dead-letter queue`,
    ],
  },
  {
    id: 'I10',
    case: 'Inventory (API9)',
    expected: 'Single stage; the deployed routes are exactly the routes the function serves',
  },
];

const ROWS: Record<GroupId, Row[]> = { A, B, C, D, E, F, G, H, I };

export const MATRIX: readonly MatrixRow[] = Object.freeze(
  (Object.keys(GROUPS) as GroupId[]).flatMap((group) =>
    ROWS[group].map((row) => Object.freeze({ ...row, group })),
  ),
);

/** The matrix ids a test name is tagged with: `[B6] …`, `[I10][A10] …`. */
export function tagsOf(testName: string): string[] {
  const leading = /^\s*((?:\[[A-I]\d{1,2}\])+)/.exec(testName)?.[1] ?? '';
  return [...leading.matchAll(/\[([A-I]\d{1,2})\]/g)].map((match) => match[1] as string);
}
