import { describe, expect, it } from 'vitest';
import { loadConfig } from './load.js';

describe('config: store selection (database)', () => {
  it('SQLite unless a PostgreSQL URL is given; env tuning without a URL selects nothing', () => {
    expect(loadConfig({}, {}).database).toBeUndefined();
    expect(loadConfig({}, { AIRLOCK_DATABASE_POOL_SIZE: '5' }).database).toBeUndefined();
  });

  it('AIRLOCK_DATABASE_* fill the database settings, with defaults', () => {
    const c = loadConfig({}, { AIRLOCK_DATABASE_URL: 'postgres://a@h:5432/d', AIRLOCK_DATABASE_POOL_SIZE: '3', AIRLOCK_DATABASE_TLS: 'verify-full', AIRLOCK_DATABASE_MIGRATIONS: 'verify' });
    expect(c.database).toEqual({ url: 'postgres://a@h:5432/d', poolSize: 3, statementTimeoutMs: 5000, connectTimeoutMs: 5000, migrations: 'verify', tls: 'verify-full' });
  });

  it('a flag URL refines the environment; database: null (--store sqlite) drops it', () => {
    const env = { AIRLOCK_DATABASE_URL: 'postgres://a@h/d', AIRLOCK_DATABASE_POOL_SIZE: '7' };
    expect(loadConfig({ database: { url: 'postgresql://b@h/e' } }, env).database).toMatchObject({ url: 'postgresql://b@h/e', poolSize: 7 });
    expect(loadConfig({ database: null }, env).database).toBeUndefined();
  });

  it('refuses a non-postgres URL and bad tuning with ERR_CONFIG_INVALID, never echoing the URL', () => {
    let err: unknown;
    try {
      loadConfig({}, { AIRLOCK_DATABASE_URL: 'mysql://root:hunter2-secret@h/d' });
    } catch (e) {
      err = e;
    }
    expect(err).toMatchObject({ code: 'ERR_CONFIG_INVALID' });
    expect((err as Error).message).toMatch(/database\.url/);
    expect((err as Error).message).not.toContain('hunter2-secret');
    expect(() => loadConfig({}, { AIRLOCK_DATABASE_URL: 'postgres://h/d', AIRLOCK_DATABASE_POOL_SIZE: '0' })).toThrow(/poolSize/);
    expect(() => loadConfig({}, { AIRLOCK_DATABASE_URL: 'postgres://h/d', AIRLOCK_DATABASE_TLS: 'maybe' })).toThrow(/tls/);
  });
});
