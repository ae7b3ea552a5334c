import type { ClaimPath } from '../../common/config/claim-path';
import type { PolicySettings } from '../../common/config/settings';
import type { RouteId } from '../routes/api-routes';

/** What the caller gets to see of an attendee. */
export type Decision =
  | { readonly role: 'owner'; readonly includeJoinToken: boolean }
  | { readonly role: 'moderator'; readonly includeJoinToken: false }
  | { readonly role: 'participant'; readonly includeJoinToken: false }
  | { readonly role: 'none' };

/** Or, under tenant scope, a moderator before the meeting's `TenantIds` are known. */
export type Verdict = Decision | { readonly role: 'unverified-moderator' };

type Role = Exclude<Decision['role'], 'none'>;

/** Join info and a JoinToken (per policy) are the owner's; participants see what moderators do. */
export const ROUTE_ROLES: Readonly<Record<RouteId, readonly Role[]>> = Object.freeze({
  attendee: ['owner', 'moderator', 'participant'],
  joinInfo: ['owner'],
  roster: ['moderator', 'participant'],
});

export function admits(
  routeId: RouteId,
  verdict: Verdict,
): verdict is Extract<Decision, { role: Role }> {
  return (ROUTE_ROLES[routeId] as readonly string[]).includes(verdict.role);
}

/** Whether the route must learn the meeting's `TenantIds` to decide (owners never do). */
export function needsMeetingTenants(routeId: RouteId, verdict: Verdict): boolean {
  return verdict.role === 'unverified-moderator' && ROUTE_ROLES[routeId].includes('moderator');
}

const words = (text: string) => text.split(/\s+/).filter((word) => word !== '');

/** A claim's groups: an array, its JSON or the authorizer's `"[a b]"`; a scope claim's words. */
export function groupsOf(claim: unknown, spaceSeparated = false): readonly string[] {
  if (Array.isArray(claim)) return claim.filter((item): item is string => typeof item === 'string');
  if (typeof claim !== 'string') return [];
  const text = claim.trim();
  if (!(text.startsWith('[') && text.endsWith(']'))) {
    return spaceSeparated || text === '' ? words(text) : [text];
  }
  try {
    const parsed: unknown = JSON.parse(text);
    if (Array.isArray(parsed)) return groupsOf(parsed);
  } catch {
    // Not JSON: the authorizer's space-separated form.
  }
  return words(text.slice(1, -1));
}

/**
 * The value at `path` in `claims`, or `undefined`. Own data properties of plain objects only:
 * never an inherited member (`__proto__`), a getter, or into an array (`roles.length`).
 */
export function resolveClaim(claims: unknown, path: ClaimPath): unknown {
  let value: unknown = claims;
  for (const segment of path) {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
    value = Object.getOwnPropertyDescriptor(value, segment)?.value;
  }
  return value;
}

/** Scope claims hold a space-separated list (RFC 8693 §4.2 `scope`; Entra's `scp`). */
const isScopeClaim = (path: ClaimPath) =>
  path.length === 1 && ['scope', 'scp'].includes(path[0] ?? '');

/**
 * The caller's identity, if it may own anything. An `email` only with `email_verified` the
 * boolean `true` (OIDC Core §5.1): whoever registers someone else's address would take their seat.
 */
function identityOf(claims: Readonly<Record<string, unknown>>, path: ClaimPath) {
  const identity = resolveClaim(claims, path);
  if (typeof identity !== 'string' || identity === '') return undefined;
  const email = path.length === 1 && path[0] === 'email';
  return email && resolveClaim(claims, ['email_verified']) !== true ? undefined : identity;
}

/**
 * Whether the caller owns the attendee of `externalUserId`: equal to its identity, or
 * `<identity><separator><anything>`; never a bare prefix (`alice` owns no `alice2`).
 */
export function owns(
  claims: Readonly<Record<string, unknown>>,
  externalUserId: string | undefined,
  settings: Pick<PolicySettings, 'identityClaim' | 'ownerSeparator'>,
): boolean {
  const identity = identityOf(claims, settings.identityClaim);
  if (identity === undefined || typeof externalUserId !== 'string') return false;
  const { ownerSeparator } = settings;
  if (externalUserId === identity) return true;
  return ownerSeparator !== undefined && externalUserId.startsWith(identity + ownerSeparator);
}

/** The name claim without control characters, trimmed, at most 128 code points. */
export function displayNameOf(
  claims: Readonly<Record<string, unknown>>,
  settings: Pick<PolicySettings, 'nameClaim'>,
): string | undefined {
  const claim = resolveClaim(claims, settings.nameClaim);
  if (typeof claim !== 'string') return undefined;
  const name = [...claim.replace(/\p{Cc}/gu, '').trim()].slice(0, 128).join('').trim();
  return name === '' ? undefined : name;
}

/**
 * What the caller may see of the attendee of `externalUserId`; pure. `member`: the caller owns
 * another attendee of the meeting. Under tenant scope a moderator is `unverified-moderator` until
 * decided again with the meeting's `meetingTenantIds`.
 * @example decide({ sub: 'alice' }, 'alice', settings) // { role: 'owner', includeJoinToken: true }
 */
export function decide(
  claims: Readonly<Record<string, unknown>>,
  externalUserId: string | undefined,
  settings: PolicySettings,
  meetingTenantIds?: readonly string[],
  member = false,
): Verdict {
  if (owns(claims, externalUserId, settings)) {
    return { role: 'owner', includeJoinToken: settings.joinTokenPolicy === 'owner' };
  }
  if (member && settings.participantRole === 'on')
    return { role: 'participant', includeJoinToken: false };
  const groups = groupsOf(
    resolveClaim(claims, settings.moderatorClaim),
    isScopeClaim(settings.moderatorClaim),
  );
  const moderator = { role: 'moderator', includeJoinToken: false } as const;
  if (!groups.includes(settings.moderatorGroup)) return { role: 'none' };
  if (settings.moderatorScope === 'global') return moderator;
  // A string or an array; without a tenant claim nothing can match: no GetMeeting is spent.
  const claim = settings.tenantClaim && resolveClaim(claims, settings.tenantClaim);
  const tenants = [claim].flat().filter((id): id is string => typeof id === 'string' && id !== '');
  if (tenants.length === 0) return { role: 'none' };
  if (meetingTenantIds === undefined) return { role: 'unverified-moderator' };
  return tenants.some((tenant) => meetingTenantIds.includes(tenant)) ? moderator : { role: 'none' };
}
