import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ts from 'typescript';
import { CAPABILITIES, GATEWAY_CODES, GUID_PATTERN, PROBLEM_CODES } from '../../client/src/types';
import { PROBLEMS } from '../../lambda/attendee/errors/problem';
import { loadContract, resolve } from '../helpers/openapi-conformance';

/**
 * The client's interfaces (client/src/types.ts) are described as JSON by the TypeScript
 * compiler and compared with the object schemas of openapi.yaml: same names, same properties,
 * same optionality, same types and enums. A change on either side fails here.
 */
type Shape = string | { enum: (string | boolean)[] } | { ref: string } | { array: Shape };
type ObjectShape = Record<string, { optional: boolean; shape: Shape }>;

const TYPES_FILE = join(process.cwd(), 'client', 'src', 'types.ts');
const contract = loadContract();
const schemas = contract.document.components.schemas as Record<string, Record<string, unknown>>;

function shapeOfType(checker: ts.TypeChecker, type: ts.Type): Shape {
  if (type.flags & ts.TypeFlags.String) return 'string';
  if (type.flags & ts.TypeFlags.Number) return 'number';
  const members = type.isUnion() ? type.types : [type];
  if (members.every((member) => member.isStringLiteral())) {
    return { enum: members.map((member) => (member as ts.StringLiteralType).value).sort() };
  }
  if (members.every((member) => member.flags & ts.TypeFlags.BooleanLiteral)) {
    return { enum: members.map((member) => checker.typeToString(member) === 'true').sort() };
  }
  if (checker.isArrayType(type)) {
    const [item] = checker.getTypeArguments(type as ts.TypeReference);
    if (item) return { array: shapeOfType(checker, item) };
  }
  const name = type.getSymbol()?.getName();
  if (type.flags & ts.TypeFlags.Object && name && name !== '__type') return { ref: name };
  throw new Error(`cannot describe ${checker.typeToString(type)}`);
}

/** Every exported interface of `file`, as JSON. */
function describeInterfaces(file: string): Record<string, ObjectShape> {
  const program = ts.createProgram([file], {
    strict: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    lib: ['lib.es2022.d.ts'],
    types: [],
    noEmit: true,
  });
  const checker = program.getTypeChecker();
  const source = program.getSourceFile(file);
  const module = source && checker.getSymbolAtLocation(source);
  if (!module) throw new Error(`cannot read ${file}`);
  const interfaces: Record<string, ObjectShape> = {};
  for (const symbol of checker.getExportsOfModule(module)) {
    if (!(symbol.flags & ts.SymbolFlags.Interface)) continue;
    const shape: ObjectShape = {};
    for (const property of checker.getPropertiesOfType(checker.getDeclaredTypeOfSymbol(symbol))) {
      shape[property.name] = {
        optional: (property.flags & ts.SymbolFlags.Optional) !== 0,
        shape: shapeOfType(checker, checker.getNonNullableType(checker.getTypeOfSymbol(property))),
      };
    }
    interfaces[symbol.name] = shape;
  }
  return interfaces;
}

function shapeOfSchema(schema: Record<string, unknown>): Shape {
  if (typeof schema.$ref === 'string') {
    const name = schema.$ref.replace('#/components/schemas/', '');
    const target = resolve(contract.document, schema);
    return target.type === 'object' ? { ref: name } : shapeOfSchema(target);
  }
  if (Array.isArray(schema.enum)) return { enum: [...schema.enum].sort() };
  if (schema.type === 'string') return 'string';
  if (schema.type === 'integer' || schema.type === 'number') return 'number';
  if (schema.type === 'array') return { array: shapeOfSchema(schema.items as never) };
  throw new Error(`cannot describe ${JSON.stringify(schema)}`);
}

/** Every object schema of `components.schemas`, as JSON (the per-status `allOf` narrowings of Problem excepted). */
function describeSchemas(): Record<string, ObjectShape> {
  const described: Record<string, ObjectShape> = {};
  for (const [name, schema] of Object.entries(schemas)) {
    if (schema.type !== 'object') continue;
    const required = (schema.required ?? []) as string[];
    const shape: ObjectShape = {};
    for (const [property, sub] of Object.entries(schema.properties as Record<string, never>)) {
      shape[property] = { optional: !required.includes(property), shape: shapeOfSchema(sub) };
    }
    described[name] = shape;
  }
  return described;
}

const interfaces = describeInterfaces(TYPES_FILE);
const described = describeSchemas();

describe('client/src/types.ts against openapi.yaml', () => {
  it('has one interface per object schema, under the same name, and no other', () => {
    expect(Object.keys(interfaces).sort()).toEqual(Object.keys(described).sort());
  });

  it.each(Object.keys(described))(
    'describes %s with the same properties, optionality and types',
    (name) => {
      expect(interfaces[name]).toEqual(described[name]);
    },
  );

  it('notices an interface that drifts (the comparison is not vacuous)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'client-types-'));
    try {
      const drifted = join(dir, 'types.ts');
      writeFileSync(
        drifted,
        readFileSync(TYPES_FILE, 'utf8').replace('JoinToken?: string', 'JoinToken: string'),
      );
      expect(describeInterfaces(drifted).Attendee).not.toEqual(described.Attendee);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('validates IDs with the Guid pattern the path and query parameters use', () => {
    expect(GUID_PATTERN.source).toBe(schemas.Guid?.pattern);
    for (const parameter of ['MeetingId', 'AttendeeId', 'As']) {
      expect(contract.document.components.parameters[parameter].schema).toEqual({
        $ref: '#/components/schemas/Guid',
      });
    }
  });

  it('knows the Capability enum', () => {
    expect([...CAPABILITIES]).toEqual(schemas.Capability?.enum);
  });

  it('knows every problem code of the document and of problem.ts', () => {
    expect([...PROBLEM_CODES]).toEqual(schemas.ProblemCode?.enum);
    expect([...PROBLEM_CODES].sort()).toEqual(Object.keys(PROBLEMS).sort());
  });

  it('names a gateway code for every status at which the document lists a gateway answer', () => {
    const gatewayStatuses = new Set(
      contract
        .documentedOutcomes()
        .filter((o) => o.mediaType === 'application/json' && o.status !== 200)
        .map((o) => String(o.status)),
    );
    expect(Object.keys(GATEWAY_CODES).sort()).toEqual([...gatewayStatuses].sort());
  });
});
