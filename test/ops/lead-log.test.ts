// The lead log's line per routing round (src/ops/lead-log.ts): its skip counts come from the
// decisions the change wrote, and the round is read back only when the change did not carry them.
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import type { CommittedChanges } from '../../src/events/routing-events.js';
import { createLeadLog } from '../../src/ops/lead-log.js';
import { encodeDecisions, type Decisions } from '../../src/store/routing-decisions.js';
import type { LeadRow, OfferRow } from '../../src/store/rows.js';

const AT = new Date('2026-12-03T10:00:00Z');

const lead = (id: number, round: number): LeadRow => ({
  id, sourceId: 1, kind: 'GENERAL', state: 'ROUTING', targetUserId: null, ownerId: null, statusCodeId: null,
  firstName: 'Maya', lastName: null, email: null, phone: null, message: null, postalCode: null, propertyAddress: null,
  price: null, externalId: null, referralFeePercent: null, round, routingAnchor: null, createdAt: AT, assignedAt: null,
  repeatOfId: null, contactDueAt: null, lastContactAt: null,
});

const offer = (id: number, leadId: number, agentId: number, round: number): OfferRow => ({
  id, leadId, agentId, round, direct: false, state: 'PENDING', offeredAt: AT, expiresAt: AT, respondedAt: null, reclaimedAt: null,
});

function setUp() {
  const lines: Record<string, unknown>[] = [];
  const logger = pino({ level: 'info' }, { write: (line: string) => { lines.push(JSON.parse(line) as Record<string, unknown>); } });
  const reads: string[] = [];
  const stored = new Map<string, string>();
  const log = createLeadLog({
    logger,
    roundDecisions: async (leadId, round) => {
      reads.push(`${leadId}:${round}`);
      return stored.get(`${leadId}:${round}`) ?? null;
    },
  });
  const rounds = async () => {
    // The log writes in the turn after the announcement, then awaits its (possible) reads.
    for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
    return lines.filter((l) => l.msg === 'routing round');
  };
  return { log, reads, stored, rounds };
}

const decisions: Decisions = [[4, 'OFFERED'], [5, 'WAITING'], [6, 'HALTED'], [7, 'WAITING'], [1, 'ALREADY_OFFERED']];

describe('the lead log', () => {
  it("counts a round's skipped agents from the decisions the change wrote, without reading the round back", async () => {
    const { log, reads, rounds } = setUp();
    const changes: CommittedChanges = {
      offers: [{ type: 'RECEIVED', offer: offer(9, 42, 4, 2), lead: lead(42, 2) }],
      leadEvents: [],
      roundDecisions: new Map([['42:2', decisions]]),
    };
    log.onCommitted(changes);
    const [line, ...more] = await rounds();
    expect(more).toEqual([]);
    expect(line).toMatchObject({ leadId: 42, round: 2, offered: [4], skipped: 4, skippedFor: { WAITING: 2, HALTED: 1, ALREADY_OFFERED: 1 } });
    expect(reads).toEqual([]);
  });

  it('reads a round the change did not carry, and counts the same', async () => {
    const { log, reads, stored, rounds } = setUp();
    stored.set('42:2', encodeDecisions(decisions));
    log.onCommitted({ offers: [{ type: 'RECEIVED', offer: offer(9, 42, 4, 2), lead: lead(42, 2) }], leadEvents: [] });
    const [line] = await rounds();
    expect(line).toMatchObject({ leadId: 42, round: 2, offered: [4], skipped: 4, skippedFor: { WAITING: 2, HALTED: 1, ALREADY_OFFERED: 1 } });
    expect(reads).toEqual(['42:2']);
  });
});
