import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { printAppSchema } from '../server/build-schema';

/** Writes src/schema/schema.graphql (committed; a test fails when it is stale). */
printAppSchema()
  .then((sdl) => {
    writeFileSync(join(__dirname, '..', 'schema', 'schema.graphql'), sdl);
    console.log('wrote src/schema/schema.graphql');
  })
  .catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
