import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { CodegenConfig } from '@graphql-codegen/cli';
import {
  buildSchema,
  Kind,
  parse,
  print,
  validate,
  visit,
  type DefinitionNode,
  type FragmentDefinitionNode,
} from 'graphql';

/**
 * Typed documents for the tests, generated from the client contract (`../shared/contract`,
 * or the vendored copy in `test/shared/contract` on a checkout without it) and the emitted
 * schema. Operations the schema cannot serve yet (listed in test/contract-pending.txt) are
 * left out, so each one gains its types the moment it is implemented.
 */
const shared = join(__dirname, '..', 'shared', 'contract');
const contractDir = existsSync(shared) ? shared : join(__dirname, 'test', 'shared', 'contract');
const schemaFile = join(__dirname, 'src', 'schema', 'schema.graphql');
const schema = buildSchema(readFileSync(schemaFile, 'utf8'));

function servableOperations(): string[] {
  const out: string[] = [];
  for (const file of readdirSync(contractDir)
    .filter((f) => f.endsWith('.graphql') && f !== 'inputs.graphql')
    .sort()) {
    const doc = parse(readFileSync(join(contractDir, file), 'utf8'));
    const fragments = new Map(
      doc.definitions
        .filter((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION)
        .map((d) => [d.name.value, d]),
    );
    for (const op of doc.definitions.filter((d) => d.kind === Kind.OPERATION_DEFINITION)) {
      const used = new Set<FragmentDefinitionNode>();
      const queue: DefinitionNode[] = [op];
      while (queue.length) {
        visit(queue.pop()!, {
          FragmentSpread(n) {
            const f = fragments.get(n.name.value);
            if (f && !used.has(f)) {
              used.add(f);
              queue.push(f);
            }
          },
        });
      }
      const document = { kind: Kind.DOCUMENT, definitions: [op, ...used] } as const;
      if (validate(schema, document).length === 0) out.push(print(document));
    }
  }
  // Fragments shared by several operations must appear once.
  const seen = new Set<string>();
  return out.map((text) =>
    parse(text)
      .definitions.filter((d) => {
        if (d.kind !== Kind.FRAGMENT_DEFINITION) return true;
        if (seen.has(d.name.value)) return false;
        seen.add(d.name.value);
        return true;
      })
      .map((d) => print(d))
      .join('\n\n'),
  );
}

const config: CodegenConfig = {
  overwrite: true,
  schema: schemaFile,
  documents: servableOperations().filter((d) => d.trim()),
  silent: true,
  generates: {
    'test/generated/contract.ts': {
      plugins: ['typescript-operations', 'typed-document-node'],
      config: {
        scalars: { Decimal: 'string', Date: 'string', DateTime: 'string', JSON: 'unknown' },
        enumType: 'string-literal',
        avoidOptionals: false,
      },
    },
  },
};

export default config;
