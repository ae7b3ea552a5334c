import { type ClaimPath, resolveClaim } from '../../common/config/claim-path';
import type { Config } from '../config';
import type { RouteId } from '../routes/api-routes';

/** The policy's inputs from configuration. */
export type PolicySettings = Config['policy'];

/** What the caller gets to see of an attendee. */
export type Decision =
  | { readonly role: 'owner'; readonly includeJoinToken: boolean }
  | { readonly role: 'moderator'; readonly includeJoinToken: false }
  | { readonly role: 'participant'; readonly includeJoinToken: false }
  | { readonly role: 'none' };

/**
 * What {@link decide} answers: a {@link Decision}, or, under tenant scope, a moderator with a
 * tenant before the meeting's `TenantIds` are known. Never admitted as such: decide again with
 * the meeting's tenants.
 */
export type Verdict = Decision | { readonly role: 'unverified-moderator' };

/** The roles a route can admit. */
export type Role = Exclude<Decision['role'], 'none'>;

/**
 * Which roles each route admits: the owner reads her attendee with its JoinToken (per policy)
 * and her join info; a moderator, and a participant (who owns another attendee of the meeting),
 * read attendees and the roster, never a JoinToken or join info. Keyed by {@link RouteId}, so a
 * route added to `API_ROUTES` without a line here does not compile.
 */
export const ROUTE_ROLES: Readonly<Record<RouteId, readonly Role[]>> = Object.freeze({
  attendee: Object.freeze(['owner', 'moderator', 'participant'] as const),
  joinInfo: Object.freeze(['owner'] as const),
  roster: Object.freeze(['moderator', 'participant'] as const),
});

const MODERATOR: Decision = Object.freeze({ role: 'moderator', includeJoinToken: false });
const PARTICIPANT: Decision = Object.freeze({ role: 'participant', includeJoinToken: false });
const NONE: Decision = Object.freeze({ role: 'none' });
const UNVERIFIED_MODERATOR: Verdict = Object.freeze({ role: 'unverified-moderator' });

/** Whether the route admits the caller so decided (an unverified moderator never). */
export function admits(
  routeId: RouteId,
  verdict: Verdict,
): verdict is Extract<Decision, { role: Role }> {
  return (ROUTE_ROLES[routeId] as readonly string[]).includes(verdict.role);
}

/**
 * Whether the route must learn the meeting's `TenantIds` to decide: the caller is a moderator
 * whose tenant is still to be checked, and the route admits moderators. Owners never need it.
 */
export function needsMeetingTenants(routeId: RouteId, verdict: Verdict): boolean {
  return verdict.role === 'unverified-moderator' && admits(routeId, MODERATOR);
}

/**
 * Whether `identity` owns an attendee created with `externalUserId`: equal, or, with a separator,
 * `<identity><separator><anything>`. Never a bare prefix: `alice` does not own `alice2`.
 */
export function ownsExternalUserId(
  identity: string,
  externalUserId: string,
  separator: string | undefined,
): boolean {
  if (identity === '') return false;
  if (externalUserId === identity) return true;
  return separator !== undefined && externalUserId.startsWith(identity + separator);
}

/**
 * The groups in a claim: a JSON array of strings, or the `"[a b]"` form the HTTP API JWT
 * authorizer produces when it stringifies an array; a plain string is one group, or, for a
 * scope claim (`spaceSeparated`: `scope`, `scp`), the space-separated list of RFC 6749 §3.3.
 */
export function groupsOf(claim: unknown, spaceSeparated = false): readonly string[] {
  if (Array.isArray(claim)) return claim.filter((item): item is string => typeof item === 'string');
  if (typeof claim !== 'string') return [];
  const text = claim.trim();
  if (!(text.startsWith('[') && text.endsWith(']'))) {
    if (spaceSeparated) return text.split(/\s+/).filter((group) => group !== '');
    return text === '' ? [] : [text];
  }
  try {
    const parsed: unknown = JSON.parse(text);
    if (Array.isArray(parsed)) return groupsOf(parsed);
  } catch {
    // Not JSON: the authorizer's space-separated form.
  }
  return text
    .slice(1, -1)
    .split(/\s+/)
    .filter((group) => group !== '');
}

/** Scope claims hold a space-separated string (RFC 8693 §4.2 `scope`; Entra's `scp`). */
const isScopeClaim = (path: ClaimPath) =>
  path.length === 1 && ['scope', 'scp'].includes(path[0] ?? '');

/** A tenant claim: one string, or an array of strings; empty values are no tenant. */
function tenantsOf(claim: unknown): readonly string[] {
  const values = Array.isArray(claim) ? claim : [claim];
  return values.filter((value): value is string => typeof value === 'string' && value !== '');
}

/**
 * The caller's identity, if it may own anything: a non-empty string; for `email`, only a
 * verified address. `email_verified` must be the boolean `true` (OpenID Connect Core §5.1
 * defines it as a boolean, and these claims come from the verified token's JSON, not from the
 * authorizer's stringified context): an unverified or absent flag, or the string "true", owns
 * nothing, since whoever registers someone else's address would otherwise take their seat.
 */
function identityOf(claims: Readonly<Record<string, unknown>>, path: ClaimPath) {
  const identity = resolveClaim(claims, path);
  if (typeof identity !== 'string' || identity === '') return undefined;
  if (
    path.length === 1 &&
    path[0] === 'email' &&
    resolveClaim(claims, ['email_verified']) !== true
  ) {
    return undefined;
  }
  return identity;
}

/** Whether the caller, known by its verified `claims`, owns the attendee of `externalUserId`. */
export function owns(
  claims: Readonly<Record<string, unknown>>,
  externalUserId: string | undefined,
  settings: Pick<PolicySettings, 'identityClaim' | 'ownerSeparator'>,
): boolean {
  const identity = identityOf(claims, settings.identityClaim);
  return (
    identity !== undefined &&
    typeof externalUserId === 'string' &&
    ownsExternalUserId(identity, externalUserId, settings.ownerSeparator)
  );
}

/** The longest display name recorded, in code points. */
const NAME_MAX_LENGTH = 128;

/**
 * The caller's display name from its verified token: the name claim's string, control
 * characters removed, trimmed, at most {@link NAME_MAX_LENGTH} code points; undefined if none.
 */
export function displayNameOf(
  claims: Readonly<Record<string, unknown>>,
  settings: Pick<PolicySettings, 'nameClaim'>,
): string | undefined {
  const claim = resolveClaim(claims, settings.nameClaim);
  if (typeof claim !== 'string') return undefined;
  const name = [...claim.replace(/\p{Cc}/gu, '').trim()].slice(0, NAME_MAX_LENGTH).join('').trim();
  return name === '' ? undefined : name;
}

/**
 * Decides what the caller, known by its verified `claims`, may see of the attendee whose
 * `ExternalUserId` is given. Pure: no I/O, no clock. `member`: the caller owns an attendee of
 * the same meeting (a participant, when the setting allows). Under tenant scope, a moderator is
 * `unverified-moderator` until called again with the meeting's `meetingTenantIds` (GetMeeting).
 *
 * @example
 * decide({ sub: 'alice' }, 'alice', settings) // { role: 'owner', includeJoinToken: true }
 */
export function decide(
  claims: Readonly<Record<string, unknown>>,
  externalUserId: string | undefined,
  settings: PolicySettings,
  meetingTenantIds?: readonly string[],
  member = false,
): Verdict {
  if (owns(claims, externalUserId, settings)) {
    return { role: 'owner', includeJoinToken: settings.joinToken === 'owner' };
  }
  // A participant sees what a moderator sees: no tenant check is needed for it.
  if (member && settings.participants) return PARTICIPANT;
  const groups = groupsOf(
    resolveClaim(claims, settings.moderatorClaim),
    isScopeClaim(settings.moderatorClaim),
  );
  if (!groups.includes(settings.moderatorGroup)) return NONE;
  if (settings.moderatorScope === 'global') return MODERATOR;
  // Without a tenant claim nothing can match: no GetMeeting is spent on the caller.
  const tenants = settings.tenantClaim ? tenantsOf(resolveClaim(claims, settings.tenantClaim)) : [];
  if (tenants.length === 0) return NONE;
  if (meetingTenantIds === undefined) return UNVERIFIED_MODERATOR;
  return tenants.some((tenant) => meetingTenantIds.includes(tenant)) ? MODERATOR : NONE;
}
