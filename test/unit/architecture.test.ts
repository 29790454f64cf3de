import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve, sep } from 'node:path';
import * as ts from 'typescript';

/**
 * The code's shape (issue 9), checked on every `npm test`:
 *
 * 1. No import cycles anywhere in src/, type-only imports included (an `import type` circle
 *    is still a circle). The tool is dpdm (the same command as `npm run check:cycles`), run
 *    as a child process: it loads chalk 5, an ES module that Jest's CommonJS runtime cannot
 *    require on Node 20, while plain Node can.
 * 2. One-way layers: services never reach up into server/resolvers/schema; domain is pure
 *    (only other domain files); entities know nothing of the layers above them; only
 *    server/, resolvers/ and schema/ (its scalars) speak GraphQLError. Boundaries (a)-(c)
 *    are also ESLint `no-restricted-imports` rules (eslint.config.mjs) so editors flag them
 *    as you type.
 *
 * Imports are read with the TypeScript parser (no type-check, so this stays fast): `import`
 * and `export ... from` (type-only too), `import x = require()`, `import()`, `require()` and
 * `import('...')` type references.
 */

const ROOT = resolve(__dirname, '..', '..');
const SRC = join(ROOT, 'src');

/** Packages src/domain may import. Empty on purpose: domain is plain TypeScript, no I/O. */
const DOMAIN_ALLOWED_PACKAGES: readonly string[] = [];

/** Repository-relative path with forward slashes, e.g. `src/services/x.ts`. */
const rel = (abs: string): string => relative(ROOT, abs).split(sep).join('/');

const under = (path: string, dir: string): boolean => path === dir || path.startsWith(`${dir}/`);

function sourceFiles(): string[] {
  return (readdirSync(SRC, { recursive: true }) as string[])
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))
    .map((f) => join(SRC, f))
    .sort();
}

interface ImportRef {
  /** The importing file, repository-relative. */
  file: string;
  line: number;
  /** The module specifier as written. */
  specifier: string;
  /** Repository-relative path it resolves to, or null for a package (or `node:` builtin). */
  target: string | null;
}

interface GraphQLErrorUse {
  file: string;
  line: number;
  what: string;
}

/** Resolves a relative specifier the way the compiler would (file, `.ts`, folder index). */
function resolveRelative(fromAbs: string, specifier: string): string {
  const base = resolve(dirname(fromAbs), specifier);
  const candidates = [
    `${base}.ts`,
    `${base}.tsx`,
    join(base, 'index.ts'),
    base.replace(/\.[cm]?js$/, '.ts'),
    base,
  ];
  const hit = candidates.find((c) => existsSync(c) && statSync(c).isFile());
  return rel(hit ?? base);
}

/** What a `GraphQLError` identifier does where it stands. */
function graphqlErrorUse(node: ts.Identifier): string {
  const parent = node.parent;
  if (
    ts.isNewExpression(parent) ||
    (ts.isPropertyAccessExpression(parent) && ts.isNewExpression(parent.parent))
  ) {
    return 'constructs GraphQLError';
  }
  let decl: ts.Node = parent;
  while (decl && !ts.isImportDeclaration(decl) && !ts.isExportDeclaration(decl) && !ts.isSourceFile(decl)) {
    decl = decl.parent;
  }
  if ((ts.isImportDeclaration(decl) || ts.isExportDeclaration(decl)) && decl.moduleSpecifier) {
    const from = ts.isStringLiteralLike(decl.moduleSpecifier) ? decl.moduleSpecifier.text : '?';
    return `${ts.isImportDeclaration(decl) ? 'imports' : 're-exports'} GraphQLError from '${from}'`;
  }
  return 'uses GraphQLError';
}

function parse(abs: string): { imports: ImportRef[]; graphqlErrors: GraphQLErrorUse[] } {
  const text = readFileSync(abs, 'utf8');
  const sf = ts.createSourceFile(abs, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const file = rel(abs);
  const imports: ImportRef[] = [];
  const graphqlErrors: GraphQLErrorUse[] = [];
  const lineOf = (node: ts.Node) => sf.getLineAndCharacterOfPosition(node.getStart(sf)).line + 1;

  const add = (node: ts.Node, spec: ts.Node | undefined) => {
    if (!spec || !ts.isStringLiteralLike(spec)) return;
    const specifier = spec.text;
    const target = specifier.startsWith('.') ? resolveRelative(abs, specifier) : null;
    imports.push({ file, line: lineOf(node), specifier, target });
  };

  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) {
      add(node, node.moduleSpecifier);
    } else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference)) {
      add(node, node.moduleReference.expression);
    } else if (ts.isCallExpression(node)) {
      const callee = node.expression;
      const isImport = callee.kind === ts.SyntaxKind.ImportKeyword;
      const isRequire = ts.isIdentifier(callee) && callee.text === 'require';
      if (isImport || isRequire) add(node, node.arguments[0]);
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument)) {
      add(node, node.argument.literal);
    } else if (ts.isIdentifier(node) && node.text === 'GraphQLError') {
      graphqlErrors.push({ file, line: lineOf(node), what: graphqlErrorUse(node) });
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);

  return { imports, graphqlErrors };
}

const files = sourceFiles();
const parsed = files.map(parse);
const imports = parsed.flatMap((p) => p.imports);
const graphqlErrors = parsed.flatMap((p) => p.graphqlErrors);

const describeImport = (i: ImportRef) =>
  `${i.file}:${i.line} imports '${i.specifier}'${i.target ? ` (${i.target})` : ''}`;

/** Fails with one line per offence, or passes on none. */
function expectNone(rule: string, offences: string[]): void {
  if (offences.length > 0) {
    throw new Error(`${rule}: ${offences.length} found\n  ${offences.join('\n  ')}`);
  }
}

describe('architecture: no import cycles in src/ (dpdm, type-only imports included)', () => {
  interface DpdmDependency {
    issuer: string;
    request: string;
    kind: string;
    id: string | null;
  }
  interface DpdmOutput {
    entries: string[];
    tree: Record<string, DpdmDependency[] | null>;
    circulars: string[][];
  }

  let dpdm: DpdmOutput;

  beforeAll(() => {
    const dir = mkdtempSync(join(tmpdir(), 'dpdm-'));
    try {
      const out = join(dir, 'dpdm.json');
      execFileSync(
        process.execPath,
        [
          require.resolve('dpdm/lib/bin/dpdm.js'),
          '--no-transform', // keep type-only imports: they are edges too
          '--no-tree',
          '--no-circular',
          '--no-warning',
          '--no-progress',
          '--tsconfig',
          'tsconfig.json',
          '--output',
          out,
          'src/**/*.ts',
        ],
        { cwd: ROOT, stdio: 'pipe', timeout: 60_000 },
      );
      dpdm = JSON.parse(readFileSync(out, 'utf8')) as DpdmOutput;
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);

  it('read every .ts file under src/ and resolved every relative import (so no edge went missing)', () => {
    const seen = new Set(Object.keys(dpdm.tree));
    expectNone(
      'files under src/ that dpdm did not read',
      files.map(rel).filter((f) => !seen.has(f)),
    );
    const unresolved = Object.values(dpdm.tree)
      .flatMap((deps) => deps ?? [])
      .filter((d) => d.request.startsWith('.') && d.id === null)
      .map((d) => `${d.issuer} imports '${d.request}'`);
    expectNone('relative imports dpdm could not resolve', unresolved);
  });

  it('finds no cycle', () => {
    // Print each cycle closed (a -> b -> a), starting at its smallest path, once.
    const cycles = new Set<string>();
    for (const cycle of dpdm.circulars) {
      const start = cycle.indexOf([...cycle].sort()[0]);
      const rotated = [...cycle.slice(start), ...cycle.slice(0, start)];
      cycles.add([...rotated, rotated[0]].join(' -> '));
    }
    expectNone('import cycles in src/', [...cycles].sort());
  });
});

describe('architecture: one-way layers', () => {
  it('(a) src/services/ imports nothing from src/server/, src/resolvers/ or src/schema/', () => {
    expectNone(
      'src/services/ reaching up into server/resolvers/schema',
      imports
        .filter((i) => under(i.file, 'src/services'))
        .filter(
          (i) => i.target && ['src/server', 'src/resolvers', 'src/schema'].some((d) => under(i.target!, d)),
        )
        .map(describeImport),
    );
  });

  it('(b) src/domain/ imports only src/domain/ (no I/O, no packages outside the allow-list)', () => {
    expectNone(
      'src/domain/ importing outside src/domain/',
      imports
        .filter((i) => under(i.file, 'src/domain'))
        .filter((i) =>
          i.target === null ? !DOMAIN_ALLOWED_PACKAGES.includes(i.specifier) : !under(i.target, 'src/domain'),
        )
        .map(describeImport),
    );
  });

  it('(c) src/entities/ imports nothing from services/resolvers/schema/server', () => {
    const above = ['src/services', 'src/resolvers', 'src/schema', 'src/server'];
    expectNone(
      'src/entities/ importing a layer above it',
      imports
        .filter((i) => under(i.file, 'src/entities'))
        .filter((i) => i.target && above.some((d) => under(i.target!, d)))
        .map(describeImport),
    );
  });

  /**
   * Services, subscriptions and lib throw plain errors (DomainError, RequestRefused from
   * src/lib/errors.ts); src/server/errors.ts alone maps them to what clients see. The schema
   * layer may also construct GraphQLError, for one reason: a custom scalar's parse error is
   * a GraphQL-level error, and graphql-js reports a GraphQLError thrown by a scalar as it
   * is but rewords any other error ("Expected value of type ..."), so moving it would change
   * the messages clients read.
   */
  const GRAPHQL_ERROR_LAYERS = ['src/server', 'src/resolvers', 'src/schema'];

  it('(d) only src/server/, src/resolvers/ and src/schema/ construct or import GraphQLError', () => {
    expectNone(
      'GraphQLError outside src/server/, src/resolvers/ and src/schema/',
      graphqlErrors
        .filter((g) => !GRAPHQL_ERROR_LAYERS.some((d) => under(g.file, d)))
        .map((g) => `${g.file}:${g.line} ${g.what}`),
    );
  });
});
