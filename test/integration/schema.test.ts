import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { printAppSchema } from '../../src/server/build-schema';
import { openOrm, migrate } from '../../src/db/orm';
import { Client as PgClient } from 'pg';
import { randomBytes } from 'node:crypto';
import { adminUrl, createTestDatabase, databaseUrl, testDbPrefix } from '../support/databases';
import { itNeeds, type Need } from '../support/needs';

const root = join(__dirname, '..', '..');
const sharedDir = join(root, '..', 'shared');
const vendoredDir = join(root, 'test', 'shared');
/** The team's shared folder when this checkout sits beside it; the vendored copy otherwise. */
const contractRoot = existsSync(join(sharedDir, 'contract')) ? sharedDir : vendoredDir;
/** The team's folder next to the checkout: a clone on its own does not have it. */
const SHARED_CONTRACT: Need = {
  what: 'the team folder ../shared next to the checkout (a clone on its own has only the vendored copy)',
  present: () => existsSync(join(sharedDir, 'contract')),
  optional: true,
};

describe('the schema', () => {
  it('src/schema/schema.graphql is the emitted, sorted schema (run `npm run emit-schema`)', async () => {
    const committed = readFileSync(join(root, 'src', 'schema', 'schema.graphql'), 'utf8');
    expect(committed).toBe(await printAppSchema());
  });

  it('every contract item validates, except those in test/contract-pending.txt, which only shrinks', () => {
    let out: string;
    try {
      out = execFileSync(
        'node',
        [join(contractRoot, 'tools', 'check-contract.mjs'), 'src/schema/schema.graphql'],
        {
          cwd: root,
          encoding: 'utf8',
        },
      );
    } catch (err) {
      out = String((err as { stdout?: string }).stdout ?? '');
    }
    expect(out).toMatch(/\d+ passed, \d+ failed/);
    const failing = new Set(
      out
        .split('\n')
        .filter((l) => l.startsWith('FAIL '))
        .map((l) => l.slice(5, l.indexOf(': '))),
    );
    const pending = new Set(
      readFileSync(join(root, 'test', 'contract-pending.txt'), 'utf8')
        .split('\n')
        .map((l) => l.trim())
        .filter((l) => l && !l.startsWith('#')),
    );
    const unlistedFailures = [...failing].filter((f) => !pending.has(f));
    const listedButPassing = [...pending].filter((p) => !failing.has(p));
    expect({ unlistedFailures, listedButPassing }).toEqual({ unlistedFailures: [], listedButPassing: [] });
  });

  itNeeds(SHARED_CONTRACT, 'the vendored contract copy matches ../shared', () => {
    for (const dir of ['contract', 'tools']) {
      for (const f of readdirSync(join(sharedDir, dir))) {
        expect(`${dir}/${f}:\n${readFileSync(join(vendoredDir, dir, f), 'utf8')}`).toBe(
          `${dir}/${f}:\n${readFileSync(join(sharedDir, dir, f), 'utf8')}`,
        );
      }
    }
  });

  it('the migrations produce exactly the schema the entities describe', async () => {
    const db = await createTestDatabase();
    const orm = await openOrm(db.url, 2);
    try {
      await migrate(orm);
      const diff = await orm.getSchemaGenerator().getUpdateSchemaSQL({ wrap: false });
      expect(diff.trim()).toBe('');
    } finally {
      await orm.close(true);
      await db.drop();
    }
  });

  it('0014 sets the relay mark just below the first event given a cursor but not published', async () => {
    const name = `${testDbPrefix(Date.now())}_m14_${randomBytes(3).toString('hex')}`;
    const admin = new PgClient({ connectionString: adminUrl() });
    await admin.connect();
    await admin.query(`create database "${name}"`);
    const orm = await openOrm(databaseUrl(name), 2);
    try {
      await orm.getMigrator().up({ to: '0013-metrics-indexes' });
      const db = orm.em.getConnection();
      await db.execute(
        `insert into outbox_event (type, audience, payload, created_at, cursor, published_at)
         values ('a', '{u}', '{}', now(), 1, now()), ('a', '{u}', '{}', now(), 2, now()),
                ('a', '{u}', '{}', now(), 3, null), ('a', '{u}', '{}', now(), 4, null),
                ('a', '{u}', '{}', now(), null, null)`,
      );
      await orm.getMigrator().up();
      expect(await db.execute('select id, published_through from outbox_relay_state')).toEqual([
        { id: 1, published_through: '2' },
      ]);
    } finally {
      await orm.close(true);
      await admin.query(`drop database if exists "${name}" with (force)`);
      await admin.end();
    }
  });
});
