// The SDK-only baseline: what a first Lambda with the Chime SDK looks like (bench/README.md).
import { ChimeSDKMeetingsClient, GetAttendeeCommand } from '@aws-sdk/client-chime-sdk-meetings';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';

// The local emulator, as for the app.
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
