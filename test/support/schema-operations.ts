import { randomUUID } from 'node:crypto';
import {
  buildClientSchema,
  getIntrospectionQuery,
  getNamedType,
  isEnumType,
  isInputObjectType,
  isLeafType,
  isListType,
  isNonNullType,
  isScalarType,
  type GraphQLArgument,
  type GraphQLField,
  type GraphQLInputType,
  type GraphQLSchema,
  type IntrospectionQuery,
} from 'graphql';
import { toGlobalId } from '../../src/lib/global-id';

/**
 * Every root operation of a schema (each field of Query, Mutation and Subscription) as a
 * runnable document with minimal valid variables, so a sweep over "every operation" is
 * generated from the schema and an operation added later is swept without anyone listing it.
 */

export type OperationKind = 'query' | 'mutation' | 'subscription';

export interface RootOperation {
  kind: OperationKind;
  /** The root field's name (e.g. `acceptOffer`). */
  name: string;
  field: GraphQLField<unknown, unknown>;
}

/** The schema the running server executes, read by introspection (as any client could). */
export async function introspectSchema(
  gql: (query: string) => Promise<{ data: unknown; errors?: unknown[] }>,
): Promise<GraphQLSchema> {
  const res = await gql(getIntrospectionQuery());
  if (res.errors?.length || !res.data) throw new Error(`introspection failed: ${JSON.stringify(res.errors)}`);
  return buildClientSchema(res.data as IntrospectionQuery);
}

/** Every field of Query, Mutation and Subscription. */
export function rootOperations(schema: GraphQLSchema): RootOperation[] {
  const roots: [OperationKind, ReturnType<GraphQLSchema['getQueryType']>][] = [
    ['query', schema.getQueryType()],
    ['mutation', schema.getMutationType()],
    ['subscription', schema.getSubscriptionType()],
  ];
  return roots.flatMap(([kind, type]) =>
    type ? Object.values(type.getFields()).map((field) => ({ kind, name: field.name, field })) : [],
  );
}

/** A random, well-formed global id of `type` that names nothing. */
export const randomGlobalId = (type = 'Node'): string => toGlobalId(type, randomUUID());

/** A value of a custom scalar that its parser accepts. */
const SCALAR_DUMMIES: Record<string, () => unknown> = {
  ID: () => randomGlobalId(),
  String: () => 'x',
  Int: () => 1,
  Float: () => 1,
  Boolean: () => true,
  Decimal: () => '1.00',
  Date: () => '2024-01-02',
  DateTime: () => '2024-01-02T03:04:05.000Z',
  JSON: () => ({}),
};

/**
 * A minimal valid value of an input type: a scalar's dummy, an enum's first value, a list
 * of one item, an input object with its required fields only. Null for a nullable type
 * unless `fill` asks for a value.
 */
export function dummyValue(type: GraphQLInputType, fill = false): unknown {
  if (isNonNullType(type)) return dummyValue(type.ofType, true);
  if (!fill) return null;
  if (isListType(type)) return [dummyValue(type.ofType, true)];
  if (isEnumType(type)) return type.getValues()[0]!.value;
  if (isScalarType(type)) {
    const make = SCALAR_DUMMIES[type.name];
    if (!make) throw new Error(`no dummy value for the scalar ${type.name}: add one to SCALAR_DUMMIES`);
    return make();
  }
  if (isInputObjectType(type)) {
    const out: Record<string, unknown> = {};
    for (const f of Object.values(type.getFields())) {
      if (isNonNullType(f.type) && f.defaultValue === undefined) out[f.name] = dummyValue(f.type, true);
    }
    return out;
  }
  throw new Error(`no dummy value for ${String(type)}`);
}

const required = (a: GraphQLArgument) => isNonNullType(a.type) && a.defaultValue === undefined;

/**
 * The operation's document: each argument a variable (required ones, plus those named in
 * `args`), and a selection of `__typename` on an object result (nothing on a leaf).
 */
export function operationText(op: RootOperation, opts: { args?: string[]; selection?: string } = {}): string {
  const args = op.field.args.filter((a) => required(a) || opts.args?.includes(a.name));
  const defs = args.map((a) => `$${a.name}: ${String(a.type)}`).join(', ');
  const call = args.map((a) => `${a.name}: $${a.name}`).join(', ');
  const selection = isLeafType(getNamedType(op.field.type)) ? '' : ` { ${opts.selection ?? '__typename'} }`;
  return `${op.kind} Sweep_${op.name}${defs ? `(${defs})` : ''} { ${op.name}${call ? `(${call})` : ''}${selection} }`;
}

/** Minimal valid variables for `operationText(op)`: a dummy for each required argument, then `overrides`. */
export function dummyVariables(
  op: RootOperation,
  overrides: Record<string, unknown> = {},
): Record<string, unknown> {
  const vars: Record<string, unknown> = {};
  for (const a of op.field.args) if (required(a)) vars[a.name] = dummyValue(a.type, true);
  return { ...vars, ...overrides };
}
