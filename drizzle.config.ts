import { defineConfig } from 'drizzle-kit';

// Each dialect has its own schema module and migration folder (drizzle has no dialect-neutral
// schema). `npm run db:generate -- --name <change>` generates both (scripts/db-generate.ts runs
// drizzle-kit once per dialect with DRIZZLE_DIALECT set); migrations are applied when the server
// starts (src/store/sqlite/database.ts, src/store/postgres/migrate.ts).
const dialect = process.env.DRIZZLE_DIALECT === 'postgresql' ? 'postgresql' : 'sqlite';

export default dialect === 'postgresql'
  ? defineConfig({ dialect: 'postgresql', schema: './src/store/postgres/schema.ts', out: './drizzle/postgres' })
  : defineConfig({ dialect: 'sqlite', schema: './src/store/sqlite/schema.ts', out: './drizzle' });
