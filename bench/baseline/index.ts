/**
 * The SDK-only baseline the benchmark holds the attendee function against: read the two path
 * parameters, send GetAttendee, return the answer as JSON. No Middy, no JWT, no policy, no
 * logging, no client tuning: what a first Lambda with the Chime SDK looks like.
 */
import { ChimeSDKMeetingsClient, GetAttendeeCommand } from '@aws-sdk/client-chime-sdk-meetings';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';

// CHIME_ENDPOINT points the client at the local emulator, as it does for the app.
const endpoint = process.env.CHIME_ENDPOINT;
const chime = new ChimeSDKMeetingsClient({
  region: process.env.CHIME_REGION,
  ...(endpoint ? { endpoint } : {}),
});

export const handler = async (
  event: APIGatewayProxyEventV2,
): Promise<APIGatewayProxyStructuredResultV2> => {
  const { meetingId, attendeeId } = event.pathParameters ?? {};
  const { Attendee } = await chime.send(
    new GetAttendeeCommand({ MeetingId: meetingId, AttendeeId: attendeeId }),
  );
  return {
    statusCode: 200,
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ Attendee }),
  };
};
