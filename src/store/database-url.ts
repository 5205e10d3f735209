import { invalid } from '../core/errors.js';

/** Where the store lives, parsed from `MISSIVE_DATABASE_URL`. */
export type DatabaseLocation =
  | { kind: 'sqlite'; path: string }
  | { kind: 'postgres'; url: string; schema: string | undefined };

/** The default: an embedded SQLite file, created on first start. */
export const DEFAULT_DATABASE_URL = 'sqlite:./.missive/missive.db';

/**
 * Parses a database URL: `sqlite:PATH`, `sqlite::memory:`, a plain file path, or
 * `postgres://…` / `postgresql://…`. A `schema` query parameter on a PostgreSQL URL selects the
 * schema Missive's tables live in (default `public`), which lets one database host several.
 */
export function parseDatabaseUrl(url: string): DatabaseLocation {
  const value = url.trim();
  if (value === '') throw invalid('MISSIVE_DATABASE_URL', 'required', 'must not be empty');
  if (/^postgres(ql)?:\/\//i.test(value)) {
    let parsed: URL;
    try {
      parsed = new URL(value);
    } catch {
      throw invalid('MISSIVE_DATABASE_URL', 'format', 'is not a valid postgres:// URL');
    }
    const schema = parsed.searchParams.get('schema') ?? undefined;
    if (schema !== undefined && !/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) {
      throw invalid('MISSIVE_DATABASE_URL', 'format', 'schema must be a lowercase SQL identifier');
    }
    parsed.searchParams.delete('schema');
    return { kind: 'postgres', url: parsed.toString(), schema };
  }
  if (/^sqlite:/i.test(value)) {
    const path = value.slice('sqlite:'.length).replace(/^\/\/(?=\/)/, '');
    if (path === '') throw invalid('MISSIVE_DATABASE_URL', 'format', 'sqlite: needs a file path, e.g. sqlite:./missive.db');
    return { kind: 'sqlite', path };
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(value)) {
    throw invalid('MISSIVE_DATABASE_URL', 'format', 'must be sqlite:PATH, a file path, or a postgres:// URL');
  }
  return { kind: 'sqlite', path: value };
}
