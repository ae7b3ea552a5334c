/**
 * Paths to a claim of a verified token, for providers that nest them: Keycloak's
 * `realm_access.roles`, `resource_access.my-client.roles`, or Auth0's namespaced
 * `["https://example.com/roles"]`. Parsed once, at init; resolved per request.
 */

/** The segments of a claim path, outermost first. */
export type ClaimPath = readonly string[];

/** A claim path that breaks a rule; the message names the rule (configuration wraps it). */
export class ClaimPathError extends Error {
  override readonly name = 'ClaimPathError';
}

/**
 * Characters of an unbracketed segment. `:` is one of them, as `cognito:groups` and
 * `cognito:username` are written without brackets everywhere; `.` separates segments, and `/`
 * only ever appears in URL-shaped names, which contain dots too and must be bracketed.
 */
const PLAIN_SEGMENT = /^[A-Za-z0-9_$:-]+/;

const MAX_SEGMENTS = 16;

function bracketed(text: string, start: number): { segment: string; end: number } {
  // `["…"]`: the name is a JSON string literal, so `\"` and `\\` escape as in the token itself.
  if (text[start + 1] !== '"') {
    throw new ClaimPathError(`a "[" must be followed by a double-quoted name, as in ["a.b"]`);
  }
  let index = start + 2;
  while (index < text.length && text[index] !== '"') index += text[index] === '\\' ? 2 : 1;
  if (index >= text.length) throw new ClaimPathError('a quoted name is not closed');
  let segment: unknown;
  try {
    segment = JSON.parse(text.slice(start + 1, index + 1));
  } catch {
    throw new ClaimPathError('a quoted name is not a valid JSON string');
  }
  if (text[index + 1] !== ']') throw new ClaimPathError('a quoted name must be followed by "]"');
  if (segment === '') throw new ClaimPathError('a claim name may not be empty');
  return { segment: segment as string, end: index + 2 };
}

/**
 * Parses a claim path: dot-separated names (`realm_access.roles`), and names holding dots or
 * other characters in brackets and double quotes (`["https://example.com/roles"]`,
 * `resource_access["my.client"].roles`). Throws a {@link ClaimPathError} naming the rule.
 *
 * @example
 * parseClaimPath('realm_access.roles') // ['realm_access', 'roles']
 * parseClaimPath('["https://example.com/roles"]') // ['https://example.com/roles']
 */
export function parseClaimPath(text: string): ClaimPath {
  if (text === '') throw new ClaimPathError('may not be empty');
  const segments: string[] = [];
  let index = 0;
  while (index < text.length) {
    if (text[index] === '[') {
      const { segment, end } = bracketed(text, index);
      segments.push(segment);
      index = end;
    } else {
      const plain = PLAIN_SEGMENT.exec(text.slice(index))?.[0];
      if (plain === undefined) {
        throw new ClaimPathError(
          text.includes('/')
            ? `"${text}" is not a claim path: write a name with "/" or "." in brackets, as in ["${text}"]`
            : `"${text}" is not a claim path: names are letters, digits and _ $ : - (others in brackets: ["name"])`,
        );
      }
      segments.push(plain);
      index += plain.length;
    }
    if (index === text.length) break;
    if (text[index] === '.') {
      index += 1;
      if (index === text.length || text[index] === '.' || text[index] === '[') {
        throw new ClaimPathError(`"${text}" has an empty name after a "."`);
      }
    } else if (text[index] !== '[') {
      throw new ClaimPathError(
        text.includes('/')
          ? `"${text}" is not a claim path: write a name with "/" or "." in brackets, as in ["${text}"]`
          : `"${text}" is not a claim path: names are separated by "." (others in brackets: ["name"])`,
      );
    }
  }
  if (segments.length > MAX_SEGMENTS) {
    throw new ClaimPathError(`may have at most ${MAX_SEGMENTS} names`);
  }
  return Object.freeze(segments);
}

/** A claim path as it is written in configuration (for messages and logs). */
export function formatClaimPath(path: ClaimPath): string {
  return path
    .map((segment, index) =>
      new RegExp(`${PLAIN_SEGMENT.source}$`).test(segment)
        ? `${index === 0 ? '' : '.'}${segment}`
        : `[${JSON.stringify(segment)}]`,
    )
    .join('');
}

/**
 * The value at `path` in `claims`, or `undefined`. Walks own data properties of plain objects
 * only: never an inherited member (`constructor`, `__proto__`, `toString`), never a getter, and
 * never into an array (`roles.length` is not a claim).
 */
export function resolveClaim(claims: unknown, path: ClaimPath): unknown {
  let value: unknown = claims;
  for (const segment of path) {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
    if (!Object.hasOwn(value, segment)) return undefined;
    value = Object.getOwnPropertyDescriptor(value, segment)?.value;
  }
  return value;
}
