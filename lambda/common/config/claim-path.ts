/**
 * Paths to a claim of a verified token, for providers that nest them: Keycloak's
 * `realm_access.roles`, Auth0's namespaced `["https://example.com/roles"]`.
 */

import { RuleError } from './validators';

export type ClaimPath = readonly string[];

/** `:` is allowed bare, as `cognito:groups` is written everywhere; names with `.` or `/` go in brackets. */
const PLAIN_SEGMENT = /^[A-Za-z0-9_$:-]+/;

/** A `["…"]` segment at `start`: a JSON string literal, so `\"` and `\\` escape as in the token. */
function bracketed(text: string, start: number): { segment: string; end: number } {
  if (text[start + 1] !== '"') {
    throw new RuleError(`a "[" must be followed by a double-quoted name, as in ["a.b"]`);
  }
  let index = start + 2;
  while (index < text.length && text[index] !== '"') index += text[index] === '\\' ? 2 : 1;
  if (index >= text.length) throw new RuleError('a quoted name is not closed');
  let segment: unknown;
  try {
    segment = JSON.parse(text.slice(start + 1, index + 1));
  } catch {
    throw new RuleError('a quoted name is not a valid JSON string');
  }
  if (text[index + 1] !== ']') throw new RuleError('a quoted name must be followed by "]"');
  if (segment === '') throw new RuleError('a claim name may not be empty');
  return { segment: segment as string, end: index + 2 };
}

/**
 * Parses a claim path: dot-separated names, and names in brackets and double quotes.
 *
 * @example
 * parseClaimPath('resource_access["my.client"].roles') // ['resource_access', 'my.client', 'roles']
 */
export function parseClaimPath(text: string): ClaimPath {
  if (text === '') throw new RuleError('may not be empty');
  const notAPath = (rule: string) =>
    new RuleError(
      text.includes('/')
        ? `"${text}" is not a claim path: write a name with "/" or "." in brackets, as in ["${text}"]`
        : `"${text}" is not a claim path: ${rule} (others in brackets: ["name"])`,
    );
  const segments: string[] = [];
  let index = 0;
  while (index < text.length) {
    if (text[index] === '[') {
      const { segment, end } = bracketed(text, index);
      segments.push(segment);
      index = end;
    } else {
      const plain = PLAIN_SEGMENT.exec(text.slice(index))?.[0];
      if (plain === undefined) throw notAPath('names are letters, digits and _ $ : -');
      segments.push(plain);
      index += plain.length;
    }
    if (text[index] === '.') {
      index += 1;
      if (index === text.length || text[index] === '.' || text[index] === '[') {
        throw new RuleError(`"${text}" has an empty name after a "."`);
      }
    } else if (index < text.length && text[index] !== '[') {
      throw notAPath('names are separated by "."');
    }
  }
  if (segments.length > 16) throw new RuleError('may have at most 16 names');
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
