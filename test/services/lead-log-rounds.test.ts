// At the default log level every routing round gets a line with who was skipped and why (src/ops/lead-log.ts).
// The counts come from the decisions the change wrote (CommittedChanges.roundDecisions): no routed lead
// reads its round back for its line. On both stores, through the real services: a first round, the next
// round a deadline pass starts, and a round that finds nobody left.
import { pino } from 'pino';
import { expect, it } from 'vitest';
import { createInProcessEventBus } from '../../src/events/event-bus.js';
import { loadConfig } from '../../src/server/config.js';
import { createServices } from '../../src/services/services.js';
import { ManualClock } from '../../src/time/clock.js';
import { describeEachStore } from '../support/stores.js';

const ADMIN = { id: 1, role: 'ADMIN' as const };

describeEachStore('the lead log\'s routing rounds', (open, kind) => {
  it('counts each round\'s skipped agents from what the change wrote, without reading the round back', async () => {
    const real = await open();
    // The real store, with its read of a round counted (its facades are frozen: seen through proxies).
    const reads: string[] = [];
    const through = <T extends object>(target: T, own: Record<string | symbol, unknown>): T => new Proxy({} as T, {
      get: (_, key) => {
        if (key in own) return own[key];
        const value: unknown = Reflect.get(target, key);
        return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
      },
    });
    const leads = through(real.leads, {
      routingRoundDecisions: (leadId: number, round: number) => {
        reads.push(`${leadId}:${round}`);
        return real.leads.routingRoundDecisions(leadId, round);
      },
    });
    const store = through(real, { leads });
    const lines: Record<string, unknown>[] = [];
    const logger = pino({ level: 'info' }, { write: (line: string) => { lines.push(JSON.parse(line) as Record<string, unknown>); } });
    const clock = new ManualClock();
    const config = loadConfig({ DATABASE_URL: kind === 'sqlite' ? ':memory:' : 'postgres://unused', LOG_LEVEL: 'info' });
    const services = await createServices({ store, clock, bus: createInProcessEventBus(), config, logger });
    try {
      const office = (await services.users.createOffice('North')).id;
      const agents: number[] = [];
      for (const name of ['Ann', 'Bo', 'Cy']) {
        agents.push((await services.users.createUser({ name, email: `${name.toLowerCase()}@example.com`, role: 'AGENT', officeIds: [office] })).id);
      }
      const [ann, bo, cy] = agents as [number, number, number];
      await services.org.haltUser(cy, {});
      const source = (await services.sources.createLeadSource({ name: 'Portal', raceAgentCount: 1, acceptanceWindowSeconds: 60 })).id;
      const lead = (await services.routing.submitLead({ sourceId: source, firstName: 'Maya' }, ADMIN)).lead.id;
      await services.routing.processDueDeadlines();
      await clock.advance(60_000);
      expect((await services.routing.processDueDeadlines()).processed).toBe(1);
      await clock.advance(60_000);
      expect((await services.routing.processDueDeadlines()).processed).toBe(1);
      for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
      const rounds = lines.filter((l) => l.msg === 'routing round' && l.leadId === lead);
      expect(rounds.map((l) => [l.round, l.offered, l.skipped, l.skippedFor])).toEqual([
        [1, [ann], 2, { WAITING: 1, HALTED: 1 }],
        [2, [bo], 2, { ALREADY_OFFERED: 1, HALTED: 1 }],
        [3, [], 3, { ALREADY_OFFERED: 2, HALTED: 1 }],
      ]);
      expect(reads).toEqual([]);
    } finally {
      await services.deadlines.stop();
    }
  });
});
