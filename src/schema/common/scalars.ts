import {
  GraphQLError,
  GraphQLScalarType,
  Kind,
  parse,
  print,
  visit,
  type ASTNode,
  type Source,
  type ValueNode,
} from 'graphql';
import { formatCents, isWellFormedDecimal, parseDecimal } from '../../domain/common/money';
import { isValidDate } from '../../domain/common/calendar';

/**
 * A value not of the scalar's shape. A GraphQLError, not a refusal: graphql-js reports a
 * GraphQLError a scalar throws as it is, and rewords anything else ("Expected value of type
 * ...", "Expected type ..."), so clients would read other messages.
 */
const badInput = (message: string) => new GraphQLError(message, { extensions: { code: 'BAD_USER_INPUT' } });

/** The kinds of literal values (a variable is not one: its value is checked where it is given). */
const LITERALS = new Set<string>([
  Kind.INT,
  Kind.FLOAT,
  Kind.STRING,
  Kind.BOOLEAN,
  Kind.NULL,
  Kind.ENUM,
  Kind.LIST,
  Kind.OBJECT,
]);
const NAMED = new Set<string>([Kind.ARGUMENT, Kind.OBJECT_FIELD, Kind.VARIABLE_DEFINITION]);

/** Where each literal of a document sits ("input.amount", "input.items[2]", "$from"), by offset. */
const literalPaths = new WeakMap<Source, Map<number, string>>();

/**
 * The argument or input path of a literal, e.g. `input.amount`. graphql-js gives a scalar the
 * literal alone and reports the error it throws as it is, with neither field nor location:
 * `amount: 5000, monthlyIncome: 8000, monthlyDebt: 500` read as three identical errors. So the
 * document is parsed again to place the literal: only when one is refused, once per document.
 */
function literalPath(ast: ValueNode): string | null {
  const source = ast.loc?.source;
  if (!source) return null;
  let paths = literalPaths.get(source);
  if (!paths) {
    const found = new Map<number, string>();
    const names: string[] = [];
    visit(parse(source), {
      enter(node: ASTNode, key) {
        if (node.kind === Kind.VARIABLE_DEFINITION) names.push(`$${node.variable.name.value}`);
        else if (node.kind === Kind.ARGUMENT || node.kind === Kind.OBJECT_FIELD) names.push(node.name.value);
        else if (LITERALS.has(node.kind)) {
          if (typeof key === 'number') names.push(`[${key}]`); // an item of a list
          if (node.loc) found.set(node.loc.start, names.join('.').replaceAll('.[', '['));
        }
      },
      leave(node: ASTNode, key) {
        if (NAMED.has(node.kind) || (LITERALS.has(node.kind) && typeof key === 'number')) names.pop();
      },
    });
    paths = found;
    literalPaths.set(source, paths);
  }
  return paths.get(ast.loc!.start) ?? null;
}

/** A refused literal: the value given, where it is (with line and column), and what to send. */
function badLiteral(ast: ValueNode, message: string): GraphQLError {
  const path = literalPath(ast);
  const given = print(ast);
  const shown = given.length > 40 ? `${given.slice(0, 37)}...` : given;
  return new GraphQLError(`Invalid value ${shown}${path ? ` at "${path}"` : ''}; ${message}`, {
    nodes: ast,
    extensions: { code: 'BAD_USER_INPUT' },
  });
}

/** The literal's JavaScript value for a message: numbers as numbers, strings as strings. */
const literalValue = (ast: ValueNode): unknown =>
  ast.kind === Kind.INT || ast.kind === Kind.FLOAT
    ? Number(ast.value)
    : ast.kind === Kind.STRING
      ? ast.value
      : undefined;

/**
 * What to send instead of a value that is not a Decimal: for a number with at most two
 * decimals, that number as the string expected (5000 → "5000.00").
 */
function decimalMessage(given: unknown): string {
  if (typeof given === 'number') {
    const cents = Math.round(given * 100);
    if (Number.isSafeInteger(cents) && Math.abs(cents - given * 100) < 1e-6)
      return `Decimal must be a string, like "${formatCents(cents)}"`;
  }
  if (typeof given === 'number' || typeof given === 'string')
    return 'Decimal must be a string with at most two decimals, like "1500.00"';
  return 'Decimal must be a string, like "1500.00"';
}

/**
 * Money amounts and other two-decimal quantities. Output: a string with exactly two
 * decimals ("1500.00"). Input: a string with at most two decimals; inside the server the
 * value is integer cents.
 */
export const DecimalScalar = new GraphQLScalarType<number, string>({
  name: 'Decimal',
  description:
    'A decimal number as a string. Output always has exactly two decimals ("1500.00"); input accepts at most two ("1500", "1500.5", "-3.25").',
  serialize(value) {
    if (typeof value !== 'number' || !Number.isSafeInteger(value))
      throw new TypeError('Decimal expects integer cents');
    return formatCents(value);
  },
  parseValue(value) {
    if (typeof value !== 'string' || !isWellFormedDecimal(value)) throw badInput(decimalMessage(value));
    return parseDecimal(value);
  },
  parseLiteral(ast) {
    if (ast.kind !== Kind.STRING || !isWellFormedDecimal(ast.value))
      throw badLiteral(ast, decimalMessage(literalValue(ast)));
    return parseDecimal(ast.value);
  },
});

const dateMessage = (given: unknown) =>
  typeof given === 'string'
    ? 'Date must be a valid YYYY-MM-DD date, like "2030-01-31"'
    : 'Date must be a string, like "2030-01-31"';

/** A calendar date, `YYYY-MM-DD` (due dates, statements, dates of birth). Carried as the string itself. */
export const DateScalar = new GraphQLScalarType<string, string>({
  name: 'Date',
  description: 'A calendar date, YYYY-MM-DD (business dates: due dates, statements, dates of birth).',
  serialize(value) {
    if (value instanceof Date) return value.toISOString().slice(0, 10);
    if (typeof value === 'string' && isValidDate(value)) return value;
    throw new TypeError('Date expects YYYY-MM-DD');
  },
  parseValue(value) {
    if (typeof value !== 'string' || !isValidDate(value)) throw badInput(dateMessage(value));
    return value;
  },
  parseLiteral(ast) {
    if (ast.kind !== Kind.STRING || !isValidDate(ast.value))
      throw badLiteral(ast, dateMessage(literalValue(ast)));
    return ast.value;
  },
});

const DATETIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;
const isDateTime = (value: unknown): value is string =>
  typeof value === 'string' && DATETIME.test(value) && !Number.isNaN(Date.parse(value));
const DATETIME_MESSAGE = 'DateTime must be an ISO-8601 timestamp string, like "2026-12-02T04:12:20.000Z"';

/** An instant, ISO-8601 in UTC (`2026-12-02T04:12:20.000Z`). */
export const DateTimeScalar = new GraphQLScalarType<Date, string>({
  name: 'DateTime',
  description: 'An instant, ISO-8601 in UTC, e.g. 2026-12-02T04:12:20.000Z.',
  serialize(value) {
    const d = value instanceof Date ? value : typeof value === 'string' ? new Date(value) : null;
    if (!d || Number.isNaN(d.getTime())) throw new TypeError('DateTime expects a Date');
    return d.toISOString();
  },
  parseValue(value) {
    if (!isDateTime(value)) throw badInput(DATETIME_MESSAGE);
    return new Date(value);
  },
  parseLiteral(ast) {
    if (ast.kind !== Kind.STRING || !isDateTime(ast.value)) throw badLiteral(ast, DATETIME_MESSAGE);
    return new Date(ast.value);
  },
});

/**
 * A JSON document (an export, an audit entry's changes). Output only: the server never
 * reads one from a client.
 */
export const JSONScalar = new GraphQLScalarType<unknown, unknown>({
  name: 'JSON',
  description: 'A JSON value (object, array, string, number, boolean or null), sent as is.',
  serialize: (value) => value,
  parseValue() {
    throw badInput('JSON is an output type and cannot be sent');
  },
  parseLiteral(ast) {
    throw badLiteral(ast, 'JSON is an output type and cannot be sent');
  },
});
