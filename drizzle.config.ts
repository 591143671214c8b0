import { defineConfig } from 'drizzle-kit';

// Migrations are generated from src/store/schema.ts with `npm run db:generate` and applied
// automatically when the server starts (src/store/database.ts).
export default defineConfig({
  dialect: 'sqlite',
  schema: './src/store/schema.ts',
  out: './drizzle',
});
