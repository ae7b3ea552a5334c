/**
 * The AWS error wire format for restJson1, as Chime SDK Meetings sends it: the status code from
 * the error shape's `httpError` trait, an `x-amzn-ErrorType` header the SDK reads first, and a
 * JSON body with `Code`, `Message` and `RequestId`. `Code` is the short form the service puts in
 * bodies (`{"Code":"NotFound","Message":"Meeting <id> not found","RequestId":"…"}`).
 */
export const CHIME_ERRORS = {
  BadRequestException: { status: 400, code: 'BadRequest' },
  UnauthorizedException: { status: 401, code: 'Unauthorized' },
  ForbiddenException: { status: 403, code: 'Forbidden' },
  NotFoundException: { status: 404, code: 'NotFound' },
  ResourceNotFoundException: { status: 404, code: 'NotFound' },
  ConflictException: { status: 409, code: 'Conflict' },
  LimitExceededException: { status: 400, code: 'ResourceLimitExceeded' },
  TooManyTagsException: { status: 400, code: 'BadRequest' },
  UnprocessableEntityException: { status: 422, code: 'Unprocessable' },
  ThrottlingException: { status: 429, code: 'Throttling' },
  ServiceFailureException: { status: 500, code: 'ServiceFailure' },
  ServiceUnavailableException: { status: 503, code: 'ServiceUnavailable' },
} as const;

/** The name of an error shape of the Chime SDK Meetings model. */
export type ChimeErrorName = keyof typeof CHIME_ERRORS;

/** Narrows an unknown value to a modeled error name. */
export const isChimeErrorName = (value: unknown): value is ChimeErrorName =>
  typeof value === 'string' && Object.hasOwn(CHIME_ERRORS, value);

/** What the emulator writes back: a status, headers and an optional body. */
export interface WireResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: string;
}

/** A modeled service error raised by validation or the store, answered in the AWS wire format. */
export class ChimeServiceError extends Error {
  readonly errorName: ChimeErrorName;
  readonly retryAfterSeconds: number | undefined;

  constructor(
    errorName: ChimeErrorName,
    message: string,
    options: { retryAfterSeconds?: number; cause?: unknown } = {},
  ) {
    super(message, { cause: options.cause });
    this.name = errorName;
    this.errorName = errorName;
    this.retryAfterSeconds = options.retryAfterSeconds;
  }
}

/** Shorthand for the most common error: a `BadRequestException`. */
export const badRequest = (message: string): ChimeServiceError =>
  new ChimeServiceError('BadRequestException', message);

/** Shorthand for a `NotFoundException`. */
export const notFound = (message: string): ChimeServiceError =>
  new ChimeServiceError('NotFoundException', message);

/** The default seconds in `Retry-After` on a 503 when the caller did not choose any. */
const DEFAULT_RETRY_AFTER_SECONDS = 1;

/**
 * Serializes a modeled error as the service does.
 *
 * @example
 * errorResponse('NotFoundException', 'Meeting <id> not found', requestId)
 * // → 404, x-amzn-ErrorType: NotFoundException, {"Code":"NotFound","Message":…,"RequestId":…}
 */
export function errorResponse(
  name: ChimeErrorName,
  message: string,
  requestId: string,
  retryAfterSeconds?: number,
): WireResponse {
  const { status, code } = CHIME_ERRORS[name];
  const retryAfter =
    retryAfterSeconds ?? (status === 503 ? DEFAULT_RETRY_AFTER_SECONDS : undefined);
  return {
    status,
    headers: {
      'Content-Type': 'application/json',
      'x-amzn-ErrorType': name,
      ...(retryAfter === undefined ? {} : { 'Retry-After': String(retryAfter) }),
    },
    body: JSON.stringify({ Code: code, Message: message, RequestId: requestId }),
  };
}

/**
 * The answer to a path or method that no emulated operation serves. AWS front doors answer
 * unknown operations with a 404 `UnknownOperationException`; the SDK surfaces it as a
 * `ChimeSDKMeetingsServiceException` whose `name` is `UnknownOperationException`.
 */
export function unknownOperationResponse(
  method: string,
  path: string,
  requestId: string,
): WireResponse {
  return {
    status: 404,
    headers: {
      'Content-Type': 'application/json',
      'x-amzn-ErrorType': 'UnknownOperationException',
    },
    body: JSON.stringify({
      Code: 'UnknownOperation',
      Message: `No Chime SDK Meetings operation is emulated for ${method} ${path}`,
      RequestId: requestId,
    }),
  };
}
