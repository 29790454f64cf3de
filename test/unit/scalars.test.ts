import { GraphQLError, Kind } from 'graphql';
import { DateScalar, DateTimeScalar, DecimalScalar } from '../../src/schema/common/scalars';

describe('Decimal', () => {
  it.each([
    ['1500', 150000],
    ['1500.5', 150050],
    ['0.05', 5],
    ['-3.25', -325],
  ])('reads %s as %i cents', (text, cents) => {
    expect(DecimalScalar.parseValue(text)).toBe(cents);
    expect(DecimalScalar.parseLiteral({ kind: Kind.STRING, value: text })).toBe(cents);
  });

  it.each(['abc', '1.234', '', '1e3', '1,000.00', ' 1.00'])('refuses %j as BAD_USER_INPUT', (text) => {
    expect(() => DecimalScalar.parseValue(text)).toThrow(GraphQLError);
    try {
      DecimalScalar.parseValue(text);
    } catch (e) {
      expect((e as GraphQLError).extensions.code).toBe('BAD_USER_INPUT');
    }
  });

  it('refuses numbers: amounts travel as strings', () => {
    expect(() => DecimalScalar.parseValue(12.5)).toThrow(GraphQLError);
    expect(() => DecimalScalar.parseLiteral({ kind: Kind.FLOAT, value: '12.5' })).toThrow(GraphQLError);
  });

  it('always writes two decimals', () => {
    expect(DecimalScalar.serialize(150000)).toBe('1500.00');
    expect(DecimalScalar.serialize(5)).toBe('0.05');
    expect(DecimalScalar.serialize(-325)).toBe('-3.25');
  });
});

describe('Date and DateTime', () => {
  it('accepts real calendar dates only', () => {
    expect(DateScalar.parseValue('2024-02-29')).toBe('2024-02-29');
    for (const bad of ['2023-02-29', '2024-13-01', '24-01-01', '2024-1-1']) {
      expect(() => DateScalar.parseValue(bad)).toThrow(GraphQLError);
    }
  });

  it('writes instants in UTC ISO-8601', () => {
    expect(DateTimeScalar.serialize(new Date(Date.UTC(2026, 11, 2, 4, 12, 20)))).toBe(
      '2026-12-02T04:12:20.000Z',
    );
    expect(() => DateTimeScalar.parseValue('yesterday')).toThrow(GraphQLError);
  });
});
