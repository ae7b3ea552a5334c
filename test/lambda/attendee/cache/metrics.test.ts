import {
  chimeCallsOf,
  countedCall,
  createRequestMetrics,
  emfFields,
  isThrottle,
  recordTier,
} from '../../../../lambda/attendee/cache/metrics';

describe('request metrics', () => {
  it('counts Chime calls by operation, with the SDK attempts, and throttles by name or 429', async () => {
    const metrics = createRequestMetrics();
    const fails = (error: unknown) => () => Promise.reject(error);
    const output = { $metadata: { attempts: 2 } };
    await expect(countedCall(metrics, 'GetAttendee', async () => output)).resolves.toBe(output);
    const throttled = Object.assign(new Error('slow down'), {
      name: 'ThrottlingException',
      $metadata: { attempts: 3, httpStatusCode: 429 },
    });
    await expect(countedCall(metrics, 'GetMeeting', fails(throttled))).rejects.toBe(throttled);
    const tooMany = { $metadata: { httpStatusCode: 429 } };
    await expect(countedCall(metrics, 'ListAttendees', fails(tooMany))).rejects.toBe(tooMany);
    await expect(
      countedCall(metrics, 'ListAttendees', fails(new Error('reset'))),
    ).rejects.toThrow();
    expect(metrics.chimeCalls).toEqual({ GetAttendee: 2, GetMeeting: 3, ListAttendees: 2 });
    expect(metrics.throttles).toBe(2);
    expect(chimeCallsOf(metrics)).toBe(7);
  });

  it('recognises throttling from the one error table, not from other errors', () => {
    expect(isThrottle(Object.assign(new Error(), { name: 'ThrottlingException' }))).toBe(true);
    expect(isThrottle(Object.assign(new Error(), { name: 'NotFoundException' }))).toBe(false);
    expect(isThrottle({ name: 'toString' })).toBe(false);
    expect(isThrottle(undefined)).toBe(false);
  });

  it('counts hits by tier and misses', () => {
    const metrics = createRequestMetrics();
    recordTier(metrics, 'container');
    recordTier(metrics, 'shared');
    recordTier(metrics, 'shared');
    recordTier(metrics, 'none');
    expect(metrics).toMatchObject({ hitsContainer: 1, hitsShared: 2, misses: 1 });
  });

  it('renders the counters as Embedded Metric Format members of the log line', async () => {
    const metrics = createRequestMetrics();
    await countedCall(metrics, 'GetAttendee', async () => ({}));
    recordTier(metrics, 'none');
    metrics.cacheErrors = 1;
    const fields = emfFields(metrics, 'ChimeAttendeeApi', 1_700_000_000_000);
    // Only the metrics the request moved; the others are absent, not 0.
    const names = ['ChimeCalls_GetAttendee', 'CacheMisses', 'CacheErrors'];
    expect(fields._aws).toEqual({
      Timestamp: 1_700_000_000_000,
      CloudWatchMetrics: [
        {
          Namespace: 'ChimeAttendeeApi',
          Dimensions: [[]],
          Metrics: names.map((Name) => ({ Name, Unit: 'Count' })),
        },
      ],
    });
    expect(fields).not.toHaveProperty('Service');
    expect(fields).toMatchObject({ ChimeCalls_GetAttendee: 1, CacheMisses: 1, CacheErrors: 1 });
    expect(fields).not.toHaveProperty('ChimeCalls_GetMeeting');
    // Every metric a directive names is a number member of the root (the EMF target members).
    for (const name of names) expect(typeof fields[name]).toBe('number');
    expect(JSON.parse(JSON.stringify(fields))).toEqual(fields);
    expect(emfFields(createRequestMetrics(), 'N', 1)).toEqual({});
  });
});
