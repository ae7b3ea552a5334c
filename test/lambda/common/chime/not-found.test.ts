import { NotFoundException } from '@aws-sdk/client-chime-sdk-meetings';
import { isNotFound } from '../../../../lambda/common/chime/not-found';

describe('isNotFound', () => {
  it('tells a NotFound by its name, whichever class carries it', () => {
    expect(isNotFound(new NotFoundException({ message: 'gone', $metadata: {} }))).toBe(true);
    expect(isNotFound({ name: 'NotFoundException' })).toBe(true);
    expect(isNotFound(new Error('NotFoundException'))).toBe(false);
    expect(isNotFound(undefined)).toBe(false);
    expect(isNotFound('NotFoundException')).toBe(false);
  });
});
