import 'reflect-metadata';
import { buildAppSchema } from '../../src/server/build-schema';

/** GraphQL's own scalars; every other named type is ours and must say what it is for. */
const BUILT_IN_SCALARS = new Set(['String', 'Int', 'Float', 'Boolean', 'ID']);

describe('schema descriptions', () => {
  it('every named type (objects, inputs, enums, interfaces, unions, scalars, payloads) has a description', async () => {
    const schema = await buildAppSchema();
    const undescribed = Object.values(schema.getTypeMap())
      .filter((type) => !type.name.startsWith('__') && !BUILT_IN_SCALARS.has(type.name))
      .filter((type) => !type.description?.trim())
      .map((type) => type.name)
      .sort();

    if (undescribed.length > 0) {
      throw new Error(
        `${undescribed.length} GraphQL type(s) without a description: ${undescribed.join(', ')}`,
      );
    }
    expect(undescribed).toEqual([]);
  });
});
