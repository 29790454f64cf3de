import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Kind, parse, print, visit, type DefinitionNode } from 'graphql';

export interface GqlResult<T = Record<string, unknown>> {
  status: number;
  data?: T | null;
  errors?: { message: string; extensions?: Record<string, unknown> }[];
}

/** One GraphQL request with fetch (set-up and checks only; load goes through the raw client). */
export async function gql<T = Record<string, unknown>>(
  url: string,
  query: string,
  variables?: Record<string, unknown>,
  token?: string,
): Promise<GqlResult<T>> {
  const res = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/json',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: JSON.stringify({ query, variables }),
  });
  const text = await res.text();
  try {
    return { status: res.status, ...(JSON.parse(text) as object) };
  } catch {
    throw new Error(`non-JSON response ${res.status}: ${text.slice(0, 300)}`);
  }
}

export function must<T>(r: GqlResult<T>, what: string): T {
  if (r.status !== 200 || r.errors?.length || !r.data) {
    throw new Error(`${what} failed (${r.status}): ${JSON.stringify(r.errors ?? r.data)}`);
  }
  return r.data;
}

/** Where the client contract documents live (../shared/contract from the project root). */
export function contractDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.BENCH_CONTRACT_DIR ?? join(__dirname, '..', '..', '..', 'shared', 'contract');
}

/**
 * The text of one operation from a contract file, with the fragments it uses (transitively),
 * e.g. contractOperation('applications.graphql', 'SubmitApplication').
 */
export function contractOperation(file: string, operation: string, dir = contractDir()): string {
  const doc = parse(readFileSync(join(dir, file), 'utf8'));
  const defs = new Map<string, DefinitionNode>();
  for (const d of doc.definitions) {
    if ((d.kind === Kind.OPERATION_DEFINITION || d.kind === Kind.FRAGMENT_DEFINITION) && d.name) {
      defs.set(d.name.value, d);
    }
  }
  const op = defs.get(operation);
  if (!op || op.kind !== Kind.OPERATION_DEFINITION)
    throw new Error(`operation ${operation} not found in ${file}`);
  const needed = new Set<string>();
  const collect = (node: DefinitionNode) =>
    visit(node, {
      FragmentSpread(spread) {
        const name = spread.name.value;
        const frag = defs.get(name);
        if (!frag) throw new Error(`fragment ${name} (used by ${operation}) is not in ${file}`);
        if (!needed.has(name)) {
          needed.add(name);
          collect(frag);
        }
      },
    });
  collect(op);
  return [op, ...[...needed].map((n) => defs.get(n)!)].map((d) => print(d)).join('\n\n');
}

/** Names of the fields of a root type, from introspection (introspection is on outside production). */
export async function rootFields(url: string, type: 'Query' | 'Mutation'): Promise<Set<string>> {
  const r = await gql<{ __type: { fields: { name: string }[] } | null }>(
    url,
    `query($t: String!) { __type(name: $t) { fields { name } } }`,
    { t: type },
  );
  return new Set(must(r, 'introspection').__type?.fields.map((f) => f.name) ?? []);
}
