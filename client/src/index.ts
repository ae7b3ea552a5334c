export { ApiError, type ApiErrorInit, parseRetryAfter } from './api-error';
export * from './attendee-api-client';
export * from './roster-resolver';
export * from './types';
