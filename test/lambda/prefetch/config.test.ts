import {
  parsePrefetchConfig,
  FUNCTION_SETTINGS as S,
} from '../../../lambda/common/config/settings';
import { ConfigError } from '../../../lambda/common/config/validators';

describe('parsePrefetchConfig', () => {
  it('reads the table, the Chime client and its own settings by the contract, with its defaults', () => {
    const config = parsePrefetchConfig({
      [S.cacheTableName.env]: 'cache',
      AWS_REGION: 'eu-west-1',
    });

    expect(config).toMatchObject({
      cacheTableName: 'cache',
      dynamodbEndpoint: undefined,
      region: 'eu-west-1',
      cacheSharedTtlMs: S.cacheSharedTtlMs.default,
      cacheLeaseMs: S.cacheLeaseMs.default,
      cachePrefetchMinAdded: 10,
      cachePrefetchCallsPerSecond: 4,
      chimeRegion: S.chimeRegion.default,
      chimeMaxAttempts: S.chimeMaxAttempts.default,
    });
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('fails without a table, naming its variable', () => {
    expect(() => parsePrefetchConfig({})).toThrow(ConfigError);
    expect(() => parsePrefetchConfig({})).toThrow(S.cacheTableName.env);
  });

  it('fails on a bad value, naming the variable and the rule', () => {
    expect(() =>
      parsePrefetchConfig({
        [S.cacheTableName.env]: 'cache',
        [S.cachePrefetchCallsPerSecond.env]: '0',
      }),
    ).toThrow(S.cachePrefetchCallsPerSecond.env);
  });
});
