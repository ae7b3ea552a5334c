import type { GetAttendeeCommandOutput } from '@aws-sdk/client-chime-sdk-meetings';
import { UpstreamResponseError } from './errors';
import type { Decision } from './join-token-policy';

const CAPABILITIES = new Set(['SendReceive', 'Send', 'Receive', 'None']);
// The model's JoinTokenString: 2 to 2048 of these characters. The length is checked apart:
// a bounded `{2,2048}` quantifier runs about twice as slow as `+` on a real token.
const JOIN_TOKEN = /^[a-zA-Z0-9+/]+$/;
const JOIN_TOKEN_LENGTH = { min: 2, max: 2048 } as const;

type Capability = 'SendReceive' | 'Send' | 'Receive' | 'None';

/** The documented fields of a GetAttendee answer, and nothing else. */
export interface AttendeeView {
  readonly Attendee: {
    readonly AttendeeId: string;
    readonly ExternalUserId: string;
    readonly JoinToken?: string;
    readonly Capabilities: {
      readonly Audio: Capability;
      readonly Video: Capability;
      readonly Content: Capability;
    };
  };
}

function capability(value: unknown, field: string): Capability {
  if (typeof value !== 'string' || !CAPABILITIES.has(value)) {
    throw new UpstreamResponseError(`Attendee.Capabilities.${field} is missing or unknown`);
  }
  return value as Capability;
}

/** The attendee of a GetAttendee answer, checked against what was asked (OWASP API10). */
export function checkedAttendee(
  output: Pick<GetAttendeeCommandOutput, 'Attendee'>,
  attendeeId: string,
): NonNullable<GetAttendeeCommandOutput['Attendee']> {
  const attendee = output.Attendee;
  if (!attendee) throw new UpstreamResponseError('Attendee is missing');
  if (typeof attendee.AttendeeId !== 'string' || attendee.AttendeeId.toLowerCase() !== attendeeId) {
    throw new UpstreamResponseError('Attendee.AttendeeId differs from the requested one');
  }
  if (typeof attendee.ExternalUserId !== 'string') {
    throw new UpstreamResponseError('Attendee.ExternalUserId is missing');
  }
  return attendee;
}

/**
 * Builds the response body for an allowed caller: the documented fields only, the JoinToken
 * only when the decision includes it (and then it must be there and well-formed).
 */
export function attendeeView(
  attendee: NonNullable<GetAttendeeCommandOutput['Attendee']>,
  decision: Exclude<Decision, { role: 'none' }>,
): AttendeeView {
  const capabilities = attendee.Capabilities;
  const view: AttendeeView['Attendee'] = {
    AttendeeId: attendee.AttendeeId as string,
    ExternalUserId: attendee.ExternalUserId as string,
    Capabilities: {
      Audio: capability(capabilities?.Audio, 'Audio'),
      Video: capability(capabilities?.Video, 'Video'),
      Content: capability(capabilities?.Content, 'Content'),
    },
  };
  if (!decision.includeJoinToken) return { Attendee: view };
  const joinToken = attendee.JoinToken;
  if (
    typeof joinToken !== 'string' ||
    joinToken.length < JOIN_TOKEN_LENGTH.min ||
    joinToken.length > JOIN_TOKEN_LENGTH.max ||
    !JOIN_TOKEN.test(joinToken)
  ) {
    throw new UpstreamResponseError('Attendee.JoinToken is missing or malformed');
  }
  return {
    Attendee: {
      AttendeeId: view.AttendeeId,
      ExternalUserId: view.ExternalUserId,
      JoinToken: joinToken,
      Capabilities: view.Capabilities,
    },
  };
}
