/** The rules of a setting's text, run by the functions and synth alike: trimmed, non-empty text in. */

/** A value broke its rule; the caller adds the setting's name and the value. */
export class RuleError extends Error {
  override readonly name: string = 'RuleError';
}

/** The environment failed validation at init; `variable` names the culprit. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(
    readonly variable: string,
    reason: string,
  ) {
    super(`Invalid configuration: ${variable} ${reason}`);
  }
}

export interface Validator<T> {
  /** The rule in a few words, for errors and the README's tables ("integer 1–10"). */
  readonly rule: string;
  parse(raw: string): T;
  /** The value as text again (the stack writes the functions' environment). */
  format(value: T): string;
}

export const plain = <T>(rule: string, parse: (raw: string) => T): Validator<T> => {
  return { rule, parse, format: String };
};

export const integer = (min: number, max: number) =>
  plain(`integer ${min}–${max}`, (raw) => {
    const value = Number(raw);
    if (/^-?\d+$/.test(raw) && value >= min && value <= max) return value;
    throw new RuleError(`must be an integer from ${min} to ${max}`);
  });

export const boolean = plain('`true` or `false`', (raw) => {
  if (raw !== 'true' && raw !== 'false') throw new RuleError('must be true or false');
  return raw === 'true';
});

/** One of `allowed`; `caseless` accepts any case and answers the listed spelling. */
export function oneOf<const T extends string | number>(
  allowed: readonly T[],
  { caseless = false } = {},
) {
  const key = (text: string) => (caseless ? text.toLowerCase() : text);
  const byText = new Map(allowed.map((value) => [key(String(value)), value]));
  const listed = allowed.map((value) => `\`${value}\``).join(', ');
  return plain(allowed.length > 6 ? `one of ${allowed.length} values` : listed, (raw) => {
    const value = byText.get(key(raw));
    if (value === undefined) throw new RuleError(`must be one of ${allowed.join(', ')}`);
    return value;
  });
}

/** Text kept as is when it matches `pattern`. */
export const text = (pattern: RegExp, rule: string, reason = `must be ${rule}`) =>
  plain(rule, (raw) => {
    if (!pattern.test(raw)) throw new RuleError(reason);
    return raw;
  });

export const character = text(/^.$/su, 'one character', 'must be a single character');

/** A comma-separated list (a JSON array in `cdk.json`), each item parsed by `item`; never empty. */
export const list = <T>(item: Validator<T>): Validator<readonly T[]> => ({
  rule: `comma list of ${item.rule}`,
  parse: (raw) => {
    const items = raw.split(',').flatMap((part) => part.trim() || []);
    if (items.length === 0) throw new RuleError('must list at least one value');
    return Object.freeze(items.map((part) => item.parse(part)));
  },
  format: (values) => values.map((value) => item.format(value)).join(','),
});

/** An absolute http(s) URL, kept exactly as written (https only is a rule between settings). */
export const httpUrl = plain('http(s) URL', (raw) => {
  const protocol = URL.parse(raw)?.protocol;
  if (protocol === undefined) throw new RuleError('must be an absolute URL');
  if (protocol !== 'https:' && protocol !== 'http:') throw new RuleError('must be an http(s) URL');
  return raw;
});
