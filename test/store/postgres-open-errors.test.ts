/**
 * A PostgreSQL store that cannot be opened says where (the URL with its password masked), why, and the fix — not a
 * bare `connect ECONNREFUSED 127.0.0.1:1` — and never prints the password.
 */
import { describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/open.js';
import { PG_URL, pgReachable } from './fixtures/pg.js';

describe('opening an unreachable PostgreSQL store', () => {
  it('names the masked URL and the fix when nothing listens', async () => {
    const err = (await openStore('postgres://relay:SuperSecretPw1@127.0.0.1:1/optirelay').catch((e: unknown) => e)) as Error;
    expect(err).toBeInstanceOf(Error);
    expect(err.message).toContain('postgres://relay:***@127.0.0.1:1/optirelay');
    expect(err.message).toContain('ECONNREFUSED');
    expect(err.message).toContain('Fix: nothing listens there');
    expect(err.message).not.toContain('SuperSecretPw1');
  });

  it('says the database does not exist (when a server is reachable)', async (ctx) => {
    if (await pgReachable()) ctx.skip();
    const url = new URL(PG_URL);
    url.pathname = '/optirelay_no_such_database_here';
    const err = (await openStore(url.toString()).catch((e: unknown) => e)) as Error;
    expect(err.message).toMatch(/does not exist\. Fix: the database does not exist: create it/);
  });
});
