import type { NamedAttendee } from '../cache/lookups';
import { UpstreamResponseError } from '../errors/errors';
import type { Decision } from '../policy/join-token-policy';

const CAPABILITIES = ['SendReceive', 'Send', 'Receive', 'None'] as const;
type Capability = (typeof CAPABILITIES)[number];

// The model's JoinTokenString: 2 to 2048 of these characters. The length is checked apart: a
// bounded `{2,2048}` quantifier is slower than `+` on a real token.
const JOIN_TOKEN = /^[a-zA-Z0-9+/]+$/;

function capability(value: unknown, field: string): Capability {
  if (!CAPABILITIES.includes(value as Capability)) {
    throw new UpstreamResponseError(`Attendee.Capabilities.${field} is missing or unknown`);
  }
  return value as Capability;
}

/** The attendee of a GetAttendee answer, checked against what was asked (OWASP API10). */
export function checkedAttendee<A extends NamedAttendee>(
  output: { readonly Attendee?: A | undefined },
  attendeeId: string,
): A {
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

/** The documented fields of a checked attendee (never its JoinToken), and its recorded name. */
function publicView(attendee: NamedAttendee) {
  const capabilities = attendee.Capabilities;
  return {
    AttendeeId: attendee.AttendeeId as string,
    ExternalUserId: attendee.ExternalUserId as string,
    Capabilities: {
      Audio: capability(capabilities?.Audio, 'Audio'),
      Video: capability(capabilities?.Video, 'Video'),
      Content: capability(capabilities?.Content, 'Content'),
    },
    ...(typeof attendee.Name === 'string' ? { Name: attendee.Name } : {}),
  };
}

/** The roster's body; AWS services (media pipelines, ExternalUserId `aws:…`) marked `Service`. */
export function rosterView(attendees: readonly NamedAttendee[]) {
  return {
    Attendees: attendees
      .filter((a) => typeof a.AttendeeId === 'string' && typeof a.ExternalUserId === 'string')
      .map((attendee) => {
        const view = publicView(attendee);
        return view.ExternalUserId.startsWith('aws:') ? { ...view, Service: true } : view;
      }),
  };
}

/** The documented fields for an allowed caller; a JoinToken only as decided, and well-formed. */
export function attendeeView(
  attendee: NamedAttendee,
  decision: Exclude<Decision, { role: 'none' }>,
): { readonly Attendee: ReturnType<typeof publicView> & { readonly JoinToken?: string } } {
  // The owner knows its own name: its answer is Chime's fields alone.
  const { Name, ...fields } = publicView(attendee);
  const view = decision.role === 'owner' || Name === undefined ? fields : { ...fields, Name };
  if (!decision.includeJoinToken) return { Attendee: view };
  const joinToken = attendee.JoinToken;
  if (
    typeof joinToken !== 'string' ||
    joinToken.length < 2 ||
    joinToken.length > 2048 ||
    !JOIN_TOKEN.test(joinToken)
  ) {
    throw new UpstreamResponseError('Attendee.JoinToken is missing or malformed');
  }
  const { AttendeeId, ExternalUserId, Capabilities } = view;
  return { Attendee: { AttendeeId, ExternalUserId, JoinToken: joinToken, Capabilities } };
}
