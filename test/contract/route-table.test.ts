import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { API_ROUTES, routeIdOf, routeKeyOf } from '../../lambda/attendee/routes/api-routes';
import { OPENAPI_FILE } from '../helpers/openapi-conformance';

const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

/** Every `METHOD /path` the OpenAPI document declares. */
function documentedRouteKeys(): string[] {
  const document = parse(readFileSync(OPENAPI_FILE, 'utf8')) as {
    paths: Record<string, Record<string, unknown>>;
  };
  return Object.entries(document.paths).flatMap(([path, item]) =>
    Object.keys(item)
      .filter((key) => HTTP_METHODS.includes(key))
      .map((method) => `${method.toUpperCase()} ${path}`),
  );
}

describe('the route table (lambda/attendee/routes/api-routes.ts)', () => {
  it('declares exactly the operations of openapi.yaml', () => {
    const table = (Object.keys(API_ROUTES) as (keyof typeof API_ROUTES)[]).map(routeKeyOf);
    expect(table.sort()).toEqual(documentedRouteKeys().sort());
  });

  it('finds a route by its key, and nothing for any other key, inherited names included', () => {
    for (const id of Object.keys(API_ROUTES) as (keyof typeof API_ROUTES)[]) {
      expect(routeIdOf(routeKeyOf(id))).toBe(id);
    }
    for (const name of [...Object.getOwnPropertyNames(Object.prototype), '__proto__', '$default']) {
      expect(routeIdOf(name)).toBeUndefined();
    }
  });
});
