import type { JoinTokenPolicyName } from './config';

/** The policy's inputs from configuration. */
export interface PolicySettings {
  readonly joinToken: JoinTokenPolicyName;
  readonly identityClaim: string;
  readonly ownerSeparator: string | undefined;
  readonly moderatorClaim: string;
  readonly moderatorGroup: string;
}

/** What the caller gets to see of an attendee. */
export type Decision =
  | { readonly role: 'owner'; readonly includeJoinToken: boolean }
  | { readonly role: 'moderator'; readonly includeJoinToken: false }
  | { readonly role: 'none' };

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
 * authorizer produces when it stringifies an array; a plain string is one group.
 */
export function groupsOf(claim: unknown): readonly string[] {
  if (Array.isArray(claim)) return claim.filter((item): item is string => typeof item === 'string');
  if (typeof claim !== 'string') return [];
  const text = claim.trim();
  if (!(text.startsWith('[') && text.endsWith(']'))) return text === '' ? [] : [text];
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

/**
 * Decides what the caller, known by its verified `claims`, may see of the attendee whose
 * `ExternalUserId` is given. Pure: no I/O, no clock.
 *
 * @example
 * decide({ sub: 'alice' }, 'alice', settings) // { role: 'owner', includeJoinToken: true }
 */
export function decide(
  claims: Readonly<Record<string, unknown>>,
  externalUserId: string | undefined,
  settings: PolicySettings,
): Decision {
  const identity = claims[settings.identityClaim];
  if (
    typeof identity === 'string' &&
    typeof externalUserId === 'string' &&
    ownsExternalUserId(identity, externalUserId, settings.ownerSeparator)
  ) {
    return { role: 'owner', includeJoinToken: settings.joinToken === 'owner' };
  }
  if (groupsOf(claims[settings.moderatorClaim]).includes(settings.moderatorGroup)) {
    return { role: 'moderator', includeJoinToken: false };
  }
  return { role: 'none' };
}
