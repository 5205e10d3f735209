import pg from 'pg';

/** Names the bench creates: lower-case letters, digits and underscores, so quoting is safe. */
const SAFE_NAME = /^[a-z_][a-z0-9_]*$/;

/** Drops a schema and everything in it, if it exists. */
export async function dropSchema(url: string, schema: string): Promise<void> {
  if (!SAFE_NAME.test(schema)) throw new Error(`refusing to drop oddly named schema ${schema}`);
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  } finally {
    await client.end();
  }
}

/** Drops every schema whose name starts with `prefix` (leftovers of interrupted runs). */
export async function dropSchemasStartingWith(url: string, prefix: string): Promise<void> {
  if (!SAFE_NAME.test(prefix)) throw new Error(`refusing to sweep oddly named schemas ${prefix}`);
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const found = await client.query<{ name: string }>(
      'SELECT nspname AS name FROM pg_namespace WHERE starts_with(nspname, $1)',
      [prefix],
    );
    for (const { name } of found.rows) {
      if (SAFE_NAME.test(name)) await client.query(`DROP SCHEMA IF EXISTS "${name}" CASCADE`);
    }
  } finally {
    await client.end();
  }
}
