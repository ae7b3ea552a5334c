import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv2020, { type ErrorObject, type ValidateFunction } from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { parse } from 'yaml';

/** The contract, at the repository root (Jest runs from there). */
export const OPENAPI_FILE = join(process.cwd(), 'openapi.yaml');

// biome-ignore lint/suspicious/noExplicitAny: an OpenAPI document is walked as plain JSON.
type Node = Record<string, any>;

/** A response as seen on the wire. */
export interface ObservedResponse {
  readonly status: number;
  readonly headers: Headers | Readonly<Record<string, string | undefined>>;
  /** The raw body text: `''` when there is none. */
  readonly body: string;
}

/** One checked response, for coverage: which documented outcome it exercised. */
export interface Outcome {
  /** `operationId`, or `components.responses.<name>` for a component response. */
  readonly operation: string;
  readonly status: number;
  readonly mediaType: string;
  /** The problem `code`, for problem responses. */
  readonly code?: string;
}

export interface Contract {
  /** The parsed document. */
  readonly document: Node;
  /** What is wrong with `response` as an answer to `method route` (a path template of the document). */
  violations(method: string, route: string, response: ObservedResponse): string[];
  /** Throws, listing every violation, unless `response` conforms. */
  assertConforms(method: string, route: string, response: ObservedResponse): void;
  /**
   * Throws unless `response` conforms to `components.responses.<name>`: for answers to requests
   * the document has no operation for, such as the gateway's 404 for an unknown route.
   */
  assertConformsToComponent(name: string, response: ObservedResponse): void;
  /** Every outcome the document lists (status × media type × problem code, per operation). */
  documentedOutcomes(): Outcome[];
  /** The outcomes checked so far. */
  observedOutcomes(): readonly Outcome[];
}

const COMPONENTS_ID = 'urn:openapi:components';
const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

/** Points `#/components/schemas/X` at the registered components schema. */
function absoluteRefs(node: unknown, prefix: string): unknown {
  if (Array.isArray(node)) return node.map((item) => absoluteRefs(item, prefix));
  if (node === null || typeof node !== 'object') return node;
  return Object.fromEntries(
    Object.entries(node).map(([key, value]) =>
      key === '$ref' && typeof value === 'string' && value.startsWith('#/components/schemas/')
        ? [key, `${prefix}${value.slice('#/components/schemas/'.length)}`]
        : [key, absoluteRefs(value, prefix)],
    ),
  );
}

function pointer(document: Node, ref: string): Node {
  if (!ref.startsWith('#/')) throw new Error(`only local $refs are supported: ${ref}`);
  let node: unknown = document;
  for (const raw of ref.slice(2).split('/')) {
    const key = raw.replaceAll('~1', '/').replaceAll('~0', '~');
    node = (node as Node | undefined)?.[key];
  }
  if (node === undefined) throw new Error(`unresolved $ref ${ref}`);
  return node as Node;
}

/** Follows `$ref`s of OpenAPI objects (responses, headers, examples) to the object itself. */
export function resolve(document: Node, node: Node): Node {
  let current = node;
  for (let hops = 0; typeof current.$ref === 'string'; hops += 1) {
    if (hops > 20) throw new Error(`$ref cycle at ${current.$ref}`);
    current = pointer(document, current.$ref);
  }
  return current;
}

function headerGetter(headers: ObservedResponse['headers']): (name: string) => string | undefined {
  if (typeof (headers as Headers).get === 'function') {
    return (name) => (headers as Headers).get(name) ?? undefined;
  }
  const lower = new Map(
    Object.entries(headers as Record<string, string | undefined>).map(([k, v]) => [
      k.toLowerCase(),
      v,
    ]),
  );
  return (name) => lower.get(name.toLowerCase());
}

const isJson = (mediaType: string) =>
  mediaType === 'application/json' || mediaType.endsWith('+json');

const explain = (errors: ErrorObject[] | null | undefined) =>
  (errors ?? []).map((e) => `${e.instancePath || '(root)'} ${e.message ?? e.keyword}`).join('; ');

/** The problem codes a problem schema allows: its own `code` enum, or one found through `allOf`. */
function codesOf(document: Node, schema: Node | undefined): string[] | undefined {
  if (!schema) return undefined;
  const resolved = resolve(document, schema);
  const own = resolved.properties?.code?.enum;
  if (Array.isArray(own)) return own;
  for (const part of (resolved.allOf ?? []) as Node[]) {
    const codes =
      part.$ref === '#/components/schemas/Problem' ? undefined : codesOf(document, part);
    if (codes) return codes;
  }
  return undefined;
}

/**
 * Loads the OpenAPI document and checks responses against it: the status is documented for the
 * operation (an undocumented one fails), required headers are present and match their schemas
 * (also those a media type requires with `x-required-headers`), the content type is documented,
 * and the body is valid against its schema (Ajv, JSON Schema 2020-12, formats). Violations never
 * quote the body, which may hold a JoinToken.
 *
 * @example
 * const contract = loadContract();
 * contract.assertConforms('GET', '/meetings/{meetingId}/attendees/{attendeeId}', { status, headers, body });
 */
export function loadContract(file: string = OPENAPI_FILE): Contract {
  const document = parse(readFileSync(file, 'utf8')) as Node;
  // strictRequired is off: the 200's oneOf requires JoinToken in a branch that does not redeclare it.
  const ajv = new Ajv2020({ allErrors: true, strict: true, strictRequired: false });
  addFormats(ajv);
  ajv.addSchema({
    $id: COMPONENTS_ID,
    $defs: absoluteRefs(document.components?.schemas ?? {}, '#/$defs/'),
  });
  const validators = new Map<Node, ValidateFunction>();
  const validatorFor = (schema: Node): ValidateFunction => {
    let validate = validators.get(schema);
    if (!validate) {
      validate = ajv.compile(absoluteRefs(schema, `${COMPONENTS_ID}#/$defs/`) as Node);
      validators.set(schema, validate);
    }
    return validate;
  };
  const observed: Outcome[] = [];

  function checkResponse(
    operation: string,
    responseObject: Node,
    response: ObservedResponse,
  ): string[] {
    const problems: string[] = [];
    const header = headerGetter(response.headers);
    for (const [name, raw] of Object.entries((responseObject.headers ?? {}) as Node)) {
      const spec = resolve(document, raw as Node);
      const value = header(name);
      if (value === undefined) {
        if (spec.required) problems.push(`header ${name} is required`);
        continue;
      }
      if (spec.schema && !validatorFor(spec.schema)(value)) {
        problems.push(`header ${name}: ${explain(validatorFor(spec.schema).errors)}`);
      }
    }
    const content = (responseObject.content ?? {}) as Node;
    const mediaTypes = Object.keys(content);
    if (mediaTypes.length === 0) {
      if (response.body !== '') problems.push('a body was sent where none is documented');
      observed.push({ operation, status: response.status, mediaType: '' });
      return problems;
    }
    const contentType = header('content-type')?.split(';')[0]?.trim().toLowerCase() ?? '';
    const media = content[contentType] as Node | undefined;
    if (!media) {
      problems.push(
        `content type "${contentType}" is not documented for ${response.status} (documented: ${mediaTypes.join(', ')})`,
      );
      return problems;
    }
    for (const name of (media['x-required-headers'] ?? []) as string[]) {
      if (header(name) === undefined)
        problems.push(`header ${name} is required for ${contentType}`);
    }
    let body: unknown = response.body;
    if (isJson(contentType)) {
      try {
        body = JSON.parse(response.body);
      } catch {
        problems.push(`the body is not JSON although the content type is ${contentType}`);
        return problems;
      }
    }
    if (media.schema) {
      const validate = validatorFor(media.schema);
      if (!validate(body)) problems.push(`body: ${explain(validate.errors)}`);
    }
    const code = (body as { code?: unknown } | null)?.code;
    observed.push({
      operation,
      status: response.status,
      mediaType: contentType,
      ...(contentType === 'application/problem+json' && typeof code === 'string' ? { code } : {}),
    });
    return problems;
  }

  function violations(method: string, route: string, response: ObservedResponse): string[] {
    const pathItem = document.paths?.[route] as Node | undefined;
    if (!pathItem) return [`no path ${route} in the document`];
    const operation = pathItem[method.toLowerCase()] as Node | undefined;
    if (!operation) return [`no operation ${method.toUpperCase()} ${route} in the document`];
    const responses = (operation.responses ?? {}) as Node;
    const documented =
      responses[String(response.status)] ?? responses[`${Math.floor(response.status / 100)}XX`];
    if (!documented) {
      return [
        `status ${response.status} is not documented for ${operation.operationId} (documented: ${Object.keys(responses).join(', ')})`,
      ];
    }
    return checkResponse(operation.operationId, resolve(document, documented), response);
  }

  const fail = (label: string, problems: string[]) => {
    if (problems.length > 0) {
      throw new Error(`${label} does not conform to openapi.yaml:\n- ${problems.join('\n- ')}`);
    }
  };

  return {
    document,
    violations,
    assertConforms: (method, route, response) =>
      fail(
        `${method.toUpperCase()} ${route} → ${response.status}`,
        violations(method, route, response),
      ),
    assertConformsToComponent: (name, response) => {
      const responseObject = document.components?.responses?.[name] as Node | undefined;
      if (!responseObject) throw new Error(`no components.responses.${name} in the document`);
      fail(
        `components.responses.${name} (${response.status})`,
        checkResponse(`components.responses.${name}`, resolve(document, responseObject), response),
      );
    },
    documentedOutcomes: () => {
      const outcomes: Outcome[] = [];
      for (const pathItem of Object.values((document.paths ?? {}) as Node)) {
        for (const method of HTTP_METHODS) {
          const operation = (pathItem as Node)[method] as Node | undefined;
          if (!operation) continue;
          for (const [status, raw] of Object.entries((operation.responses ?? {}) as Node)) {
            const content = (resolve(document, raw as Node).content ?? {}) as Node;
            for (const [mediaType, media] of Object.entries(content)) {
              const base = { operation: operation.operationId, status: Number(status), mediaType };
              const codes =
                mediaType === 'application/problem+json'
                  ? codesOf(document, (media as Node).schema)
                  : undefined;
              if (codes) for (const code of codes) outcomes.push({ ...base, code });
              else outcomes.push(base);
            }
          }
        }
      }
      return outcomes;
    },
    observedOutcomes: () => observed,
  };
}

/** Reads a fetch `Response` into what the checker takes. */
export async function observe(response: Response): Promise<ObservedResponse> {
  return { status: response.status, headers: response.headers, body: await response.text() };
}
