/** Each error shape's `httpError` status, and the short `Code` the service puts in bodies. */
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

export type ChimeErrorName = keyof typeof CHIME_ERRORS;

export const isChimeErrorName = (value: unknown): value is ChimeErrorName =>
  typeof value === 'string' && Object.hasOwn(CHIME_ERRORS, value);

export interface WireResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: string;
}

export const jsonResponse = (status: number, value: unknown): WireResponse =>
  value === undefined
    ? { status, headers: {} }
    : { status, headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(value) };

export class ChimeServiceError extends Error {
  constructor(
    override readonly name: ChimeErrorName,
    message: string,
  ) {
    super(message);
  }
}

/** A fault rule, rate setting, seed request or event target that cannot be used. */
export class InvalidInputError extends Error {
  override readonly name = this.constructor.name;
}

/** Rethrows a validation failure as the input's own error class. */
export function rethrowAs<T>(
  Invalid: new (message: string) => InvalidInputError,
  parse: () => T,
): T {
  try {
    return parse();
  } catch (error) {
    throw error instanceof ChimeServiceError ? new Invalid(error.message) : error;
  }
}

// AWS front doors answer an operation they do not know with this 404, outside the model.
const UNKNOWN_OPERATION = { status: 404, code: 'UnknownOperation' } as const;

/** A 503 carries `Retry-After` (default 1 s): the only error the model binds that header to. */
export function errorResponse(
  name: ChimeErrorName | 'UnknownOperationException',
  message: string,
  requestId: string,
  retryAfterSeconds?: number,
): WireResponse {
  const { status, code } = isChimeErrorName(name) ? CHIME_ERRORS[name] : UNKNOWN_OPERATION;
  const retryAfter = retryAfterSeconds ?? (status === 503 ? 1 : undefined);
  return {
    status,
    headers: {
      'Content-Type': 'application/json',
      'x-amzn-ErrorType': name,
      ...(retryAfter !== undefined && { 'Retry-After': String(retryAfter) }),
    },
    body: JSON.stringify({ Code: code, Message: message, RequestId: requestId }),
  };
}
