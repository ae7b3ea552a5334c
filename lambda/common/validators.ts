/**
 * The validators of every setting, written once: the function's `parseConfig` (environment
 * variables) and the stack's context parsing (`-c key=value`) both parse through them, so a value
 * that synthesizes is a value the function accepts. Pure: strings in, typed values out.
 */

/** A value broke its rule; the caller adds the setting's name and the value. */
export class RuleError extends Error {
  override readonly name = 'RuleError';
}

/** Parses the raw text of one setting (already trimmed, never empty). */
export interface Validator<T> {
  /** The rule in a few words, for errors and the README's tables ("integer 1–10"). */
  readonly rule: string;
  parse(raw: string): T;
  /** How a parsed value is written back as text (the stack writes the function's environment). */
  format(value: T): string;
}

const plain = <T>(rule: string, parse: (raw: string) => T): Validator<T> => ({
  rule,
  parse,
  format: (value) => String(value),
});

/** An integer within `[min, max]`. */
export function integer(min: number, max: number): Validator<number> {
  return plain(`integer ${min}–${max}`, (raw) => {
    if (!/^-?\d+$/.test(raw)) throw new RuleError(`must be an integer from ${min} to ${max}`);
    const value = Number(raw);
    if (value < min || value > max) {
      throw new RuleError(`must be an integer from ${min} to ${max}`);
    }
    return value;
  });
}

/** `true` or `false`. */
export const boolean: Validator<boolean> = plain('`true` or `false`', (raw) => {
  if (raw === 'true') return true;
  if (raw === 'false') return false;
  throw new RuleError('must be true or false');
});

/** One of `allowed`; `caseless` accepts any case and answers the listed spelling. */
export function oneOf<const T extends string | number>(
  allowed: readonly T[],
  options: { readonly caseless?: boolean } = {},
): Validator<T> {
  const byText = new Map(
    allowed.map((value) => [options.caseless ? String(value).toLowerCase() : String(value), value]),
  );
  const rule = allowed.map((value) => `\`${value}\``).join(', ');
  return plain(allowed.length > 6 ? `one of ${allowed.length} values` : rule, (raw) => {
    const value = byText.get(options.caseless ? raw.toLowerCase() : raw);
    if (value === undefined) throw new RuleError(`must be one of ${allowed.join(', ')}`);
    return value;
  });
}

/** Text matching `pattern`, described by `rule`. */
export function text(pattern: RegExp, rule: string): Validator<string> {
  return plain(rule, (raw) => {
    if (!pattern.test(raw)) throw new RuleError(`must be ${rule}`);
    return raw;
  });
}

/** A comma-separated list (a JSON array in `cdk.json`), each item parsed by `item`; never empty. */
export function list<T>(item: Validator<T>): Validator<readonly T[]> {
  return {
    rule: `comma list of ${item.rule}`,
    parse: (raw) => {
      const items = raw
        .split(',')
        .map((part) => part.trim())
        .filter((part) => part !== '');
      if (items.length === 0) throw new RuleError('must list at least one value');
      return Object.freeze(items.map((part) => item.parse(part)));
    },
    format: (values) => values.map((value) => item.format(value)).join(','),
  };
}

/** An absolute URL: https, or plain http as well when `allowHttp`. Kept exactly as written. */
export function url(options: { readonly allowHttp?: boolean } = {}): Validator<string> {
  return plain(options.allowHttp ? 'http(s) URL' : 'https URL', (raw) => {
    let parsed: URL;
    try {
      parsed = new URL(raw);
    } catch {
      throw new RuleError('must be an absolute URL');
    }
    const ok = parsed.protocol === 'https:' || (options.allowHttp && parsed.protocol === 'http:');
    if (!ok) throw new RuleError(options.allowHttp ? 'must be an http(s) URL' : 'must be https');
    return raw;
  });
}

/** An AWS Region name (`us-east-1`, `us-gov-west-1`, `cn-north-1`, …). */
export const region: Validator<string> = text(
  /^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d$/,
  'an AWS Region (e.g. us-east-1)',
);

/** Exactly one character. */
export const character: Validator<string> = plain('one character', (raw) => {
  if ([...raw].length !== 1) throw new RuleError('must be a single character');
  return raw;
});

/** An exact browser origin (`scheme://host[:port]`): never `*`, `null` or a path. */
export const origin: Validator<string> = plain('exact origin (scheme://host[:port])', (raw) => {
  if (raw.includes('*')) throw new RuleError('must list exact origins, not wildcards');
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    throw new RuleError('must be an origin (scheme://host[:port])');
  }
  if (parsed.origin !== raw || !['https:', 'http:'].includes(parsed.protocol)) {
    throw new RuleError('must be an origin (scheme://host[:port])');
  }
  return raw;
});

/** Context values arrive as strings (`-c`), or as numbers, booleans and arrays (`cdk.json`). */
export function rawText(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (Array.isArray(value)) {
    const items = value.map((item) => rawText(item) ?? '');
    const joined = items.join(',').trim();
    return joined === '' ? undefined : joined;
  }
  if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') {
    throw new RuleError('must be a string, number, boolean or list');
  }
  const trimmed = String(value).trim();
  return trimmed === '' ? undefined : trimmed;
}
