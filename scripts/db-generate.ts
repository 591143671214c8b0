// Generates the migrations of both dialects from their schema modules (drizzle.config.ts picks the
// dialect from DRIZZLE_DIALECT): `npm run db:generate -- --name <change>`. With no schema change it
// writes nothing, which is how .ci/run checks that the committed migrations are up to date.
import { spawnSync } from 'node:child_process';

const extra = process.argv.slice(2);
for (const dialect of ['sqlite', 'postgresql']) {
  const r = spawnSync('npx', ['drizzle-kit', 'generate', ...extra], {
    stdio: 'inherit',
    env: { ...process.env, DRIZZLE_DIALECT: dialect },
  });
  if (r.status !== 0) process.exit(r.status ?? 1);
}
