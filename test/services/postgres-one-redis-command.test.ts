// With several instances (PostgreSQL + Redis), a routed lead's publishes reach Redis in one command: the
// offer on its agent's channel, the lead's events on their channels, and the rotation hint that tells
// the other instances where the source's round robin moved (rotation-hints.ts). The hint was once told
// before an await in the announcement and went in a command of its own: a second Redis write per lead
// on the hot path. Watched here with Redis's MONITOR, as Redis received them.
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { createRedisEventBus } from '../../src/events/redis-event-bus.js';
import { loadConfig } from '../../src/server/config.js';
import { createServices } from '../../src/services/services.js';
import { openPostgresStore } from '../../src/store/postgres/pg-store.js';
import { ManualClock } from '../../src/time/clock.js';
import { createTempDatabase, havePostgres, haveRedis, REDIS_URL } from '../support/services.js';

const available = (await havePostgres()) && (await haveRedis());
const ADMIN = { id: 1, role: 'ADMIN' as const };
const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const done of cleanup.splice(0).reverse()) await done();
});

describe.skipIf(!available)('a routed lead on PostgreSQL + Redis', () => {
  it('publishes its offer, its events and its rotation hint in one Redis command', async () => {
    const database = await createTempDatabase();
    cleanup.push(() => database.drop());
    const store = await openPostgresStore(database.url, { presenceGraceMs: 0 });
    cleanup.push(() => store.close());
    const logger = pino({ level: 'silent' });
    // An origin of this test's own: other tests' publishes on this Redis are not counted.
    const origin = `onecmd${process.pid}${Date.now().toString(36)}`;
    const bus = createRedisEventBus({ url: REDIS_URL, logger, origin });
    await bus.ready();
    cleanup.push(() => bus.close());
    const config = loadConfig({ DATABASE_URL: database.url, REDIS_URL, LOG_LEVEL: 'silent' });
    const services = await createServices({ store, clock: new ManualClock(), bus, config, logger });
    cleanup.push(async () => { services.deadlines.stop(); services.rotationHints?.stop(); });
    const office = (await services.users.createOffice('North')).id;
    const agent = (await services.users.createUser({ name: 'Ana', email: 'ana@example.com', role: 'AGENT', officeIds: [office] })).id;
    const source = (await services.sources.createLeadSource({ name: 'Portal', raceAgentCount: 1, acceptanceWindowSeconds: 60 })).id;
    await services.routing.submitLead({ sourceId: source, firstName: 'Warm' }, ADMIN);

    const watcher = new Redis(REDIS_URL);
    cleanup.push(async () => { watcher.disconnect(); });
    const monitor = await watcher.monitor();
    cleanup.push(async () => { monitor.disconnect(); });
    const commands: string[][] = [];
    monitor.on('monitor', (_time: string, args: string[], source: string) => {
      // A script's own PUBLISHes are shown too, from "lua": only what came over a connection counts.
      if (source !== 'lua' && args.some((a) => a.includes(origin))) commands.push(args);
    });
    // MONITOR sees a command of the watcher's own once it is on: from then on, nothing is missed.
    await watcher.ping('monitor-on');
    await new Promise((r) => setTimeout(r, 50));

    const { lead } = await services.routing.submitLead({ sourceId: source, firstName: 'Quick' }, ADMIN);
    // Published after the commit, before the answer; given a moment to reach MONITOR.
    await new Promise((r) => setTimeout(r, 200));

    expect(commands).toHaveLength(1);
    const [command] = commands;
    expect(command?.[0]?.toLowerCase()).toMatch(/^eval(sha)?$/);
    expect(command).toContain(`offers:${agent}`);
    expect(command).toContain(`lead-events:lead:${lead.id}`);
    expect(command).toContain('rotations');
  });
});
