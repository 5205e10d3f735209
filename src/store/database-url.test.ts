import { describe, expect, it } from 'vitest';
import { ValidationError } from '../core/errors.js';
import { parseDatabaseUrl } from './database-url.js';

describe('parseDatabaseUrl', () => {
  it('reads sqlite URLs and plain paths', () => {
    expect(parseDatabaseUrl('sqlite:./.missive/missive.db')).toEqual({ kind: 'sqlite', path: './.missive/missive.db' });
    expect(parseDatabaseUrl('sqlite:///var/lib/m.db')).toEqual({ kind: 'sqlite', path: '/var/lib/m.db' });
    expect(parseDatabaseUrl('/tmp/x.db')).toEqual({ kind: 'sqlite', path: '/tmp/x.db' });
    expect(parseDatabaseUrl('sqlite::memory:')).toEqual({ kind: 'sqlite', path: ':memory:' });
  });

  it('reads postgres URLs and takes the schema parameter out', () => {
    expect(parseDatabaseUrl('postgres://u:p@h:5432/db?schema=tenant_a&sslmode=disable')).toEqual({
      kind: 'postgres',
      url: 'postgres://u:p@h:5432/db?sslmode=disable',
      schema: 'tenant_a',
    });
  });

  it('names the variable in errors', () => {
    expect(() => parseDatabaseUrl('mysql://x/y')).toThrow(ValidationError);
    expect(() => parseDatabaseUrl('mysql://x/y')).toThrow(/MISSIVE_DATABASE_URL/);
    expect(() => parseDatabaseUrl('postgres://h/db?schema=Bad-Name')).toThrow(/schema/);
    expect(() => parseDatabaseUrl('')).toThrow(/MISSIVE_DATABASE_URL/);
  });
});
