import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadConfig } from '../../src/config';

describe('configuration', () => {
  it('has working defaults with nothing set (embedded database, in-process pub/sub)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cfg-'));
    const c = loadConfig({ DATA_DIR: dir });
    expect(c).toMatchObject({
      port: 4000,
      databaseUrl: null,
      redisUrl: null,
      sandbox: true,
      env: 'development',
      databasePoolMax: 10,
    });
    expect(c.limits).toMatchObject({
      wsMaxPayloadBytes: 65536,
      wsMaxSubscriptions: 50,
      wsConnectionInitTimeoutMs: 10000,
    });
  });

  it('takes the pool size from DATABASE_POOL_MAX, at least one connection', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cfg-'));
    expect(loadConfig({ DATA_DIR: dir, DATABASE_POOL_MAX: '4' }).databasePoolMax).toBe(4);
    expect(() => loadConfig({ DATA_DIR: dir, DATABASE_POOL_MAX: '0' })).toThrow(/DATABASE_POOL_MAX/);
  });

  it('generates missing secrets once and keeps them in the data folder', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cfg-'));
    const a = loadConfig({ DATA_DIR: dir });
    const b = loadConfig({ DATA_DIR: dir });
    expect(a.secrets.jwt.length).toBe(32);
    expect(b.secrets.jwt.equals(a.secrets.jwt)).toBe(true);
    expect(JSON.parse(readFileSync(join(dir, 'secrets.json'), 'utf8'))).toHaveProperty('CVV_KEY');
  });

  it('reports every problem at once, naming variables but never their values', () => {
    let err: unknown;
    try {
      loadConfig({ PORT: 'eighty', JWT_SECRET: 'hunter2-secret', LOG_LEVEL: 'loud' });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    const problems = (err as ConfigError).problems.join('\n');
    expect(problems).toMatch(/PORT/);
    expect(problems).toMatch(/JWT_SECRET/);
    expect(problems).toMatch(/LOG_LEVEL/);
    expect((err as Error).message).not.toContain('hunter2');
  });

  it('production requires the secrets and a database, and turns the sandbox off', () => {
    expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow(
      /JWT_SECRET: required in production[\s\S]*DATABASE_URL/,
    );
    const c = loadConfig({
      NODE_ENV: 'production',
      DATABASE_URL: 'postgres://u@db/x',
      JWT_SECRET: 'a'.repeat(64),
      CARD_ENCRYPTION_KEY: 'b'.repeat(64),
      CVV_KEY: 'c'.repeat(64),
    });
    expect(c.sandbox).toBe(false);
  });
});
