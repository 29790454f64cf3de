import { GraphQLError, GraphQLScalarType, Kind, type ValueNode } from 'graphql';
import { formatCents, isWellFormedDecimal, parseDecimal } from '../../domain/common/money';
import { isValidDate } from '../../domain/common/calendar';

/**
 * A value not of the scalar's shape. A GraphQLError, not a refusal: graphql-js reports a
 * GraphQLError a scalar throws as it is, and rewords anything else ("Expected value of type
 * ...", "Expected type ..."), so clients would read other messages.
 */
const badInput = (message: string) => new GraphQLError(message, { extensions: { code: 'BAD_USER_INPUT' } });

const stringLiteral = (ast: ValueNode, name: string): string => {
  if (ast.kind !== Kind.STRING) throw badInput(`${name} must be a string`);
  return ast.value;
};

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
    if (typeof value !== 'string' || !isWellFormedDecimal(value)) {
      throw badInput('Decimal must be a string with at most two decimals, like "1500.00"');
    }
    return parseDecimal(value);
  },
  parseLiteral(ast) {
    const text = stringLiteral(ast, 'Decimal');
    if (!isWellFormedDecimal(text))
      throw badInput('Decimal must be a string with at most two decimals, like "1500.00"');
    return parseDecimal(text);
  },
});

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
    if (typeof value !== 'string' || !isValidDate(value))
      throw badInput('Date must be a valid YYYY-MM-DD date');
    return value;
  },
  parseLiteral(ast) {
    const text = stringLiteral(ast, 'Date');
    if (!isValidDate(text)) throw badInput('Date must be a valid YYYY-MM-DD date');
    return text;
  },
});

const DATETIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;

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
    if (typeof value !== 'string' || !DATETIME.test(value) || Number.isNaN(Date.parse(value))) {
      throw badInput('DateTime must be an ISO-8601 timestamp');
    }
    return new Date(value);
  },
  parseLiteral(ast) {
    const text = stringLiteral(ast, 'DateTime');
    if (!DATETIME.test(text) || Number.isNaN(Date.parse(text)))
      throw badInput('DateTime must be an ISO-8601 timestamp');
    return new Date(text);
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
  parseLiteral() {
    throw badInput('JSON is an output type and cannot be sent');
  },
});
