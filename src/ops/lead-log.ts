// Log lines that follow a lead: one JSON line per routing round, per offer closed (accepted,
// declined, expired, taken), per reassignment or return to the broker, each with the leadId, so that
// `grep '"leadId":42'` tells what happened to lead 42 (the delivery worker adds one per notification
// attempt). Only ids, kinds, reasons and counts: no names, contact details, messages or tokens.
//
// Written from what LeadChanges announces after commit, in the next turn of the event loop: the
// lines never delay the offers going out to the sockets. A round's skip counts come from the decisions
// the change wrote (CommittedChanges.roundDecisions): at the default level (info) every routed lead
// used to read its round back from the database for its line, a statement per lead that no benchmark
// saw (they run at warn).
import type { Logger } from 'pino';
import type { RoutingReason } from '../domain/routing.js';
import { roundKey, type CommittedChanges } from '../events/routing-events.js';
import { countReasons, tallyDecisions } from '../store/routing-decisions.js';

/** How many of the skip reasons a round's line names (the commonest first). */
const TOP_REASONS = 3;

export function createLeadLog(deps: {
  logger: Logger;
  /** The stored decisions of a lead's round (routing-decisions.ts), or null. */
  roundDecisions: (leadId: number, round: number) => Promise<string | null>;
}) {
  const logger = deps.logger.child({ component: 'routing' });
  let pending: CommittedChanges[] = [];
  let scheduled = false;

  /**
   * Who was skipped in a round, and the commonest reasons: from the decisions the change wrote
   * (CommittedChanges.roundDecisions), or else from the stored ones (a read of the round).
   */
  async function skipped(changes: CommittedChanges, leadId: number, round: number): Promise<{ skipped: number; skippedFor: Partial<Record<RoutingReason, number>> } | null> {
    const written = changes.roundDecisions?.get(roundKey(leadId, round));
    let tally: Map<RoutingReason, number>;
    if (written) {
      tally = countReasons(written);
    } else {
      const stored = await deps.roundDecisions(leadId, round);
      if (stored === null) return null;
      tally = tallyDecisions(stored);
    }
    const reasons = [...tally].filter(([reason]) => reason !== 'OFFERED').sort((a, b) => b[1] - a[1]);
    return {
      skipped: reasons.reduce((n, [, count]) => n + count, 0),
      skippedFor: Object.fromEntries(reasons.slice(0, TOP_REASONS)),
    };
  }

  async function write(changes: CommittedChanges): Promise<void> {
    // Rounds started in this commit: the agents offered per (lead, round), in offer order.
    const rounds = new Map<string, { leadId: number; round: number; offered: number[]; direct: boolean }>();
    const created = new Set<number>();
    for (const { event, lead } of changes.leadEvents) {
      if (event.type === 'CREATED') {
        created.add(lead.id);
        logger.info({ leadId: lead.id, kind: lead.kind, sourceId: lead.sourceId, actorId: event.actorId }, 'lead created');
      } else if (event.type === 'UNASSIGNED' && event.actorId === null) {
        // Routing found nobody left to offer: a round with no offers.
        rounds.set(roundKey(lead.id, lead.round), { leadId: lead.id, round: lead.round, offered: [], direct: false });
      } else if (event.type === 'UNASSIGNED') {
        logger.info({ leadId: lead.id, actorId: event.actorId, formerOwnerId: event.agentId }, 'lead returned to the broker');
      } else if (event.type === 'OWNER_CHANGED') {
        logger.info({ leadId: lead.id, actorId: event.actorId, ownerId: event.agentId }, 'lead reassigned');
      } else if (event.type === 'RECLAIMED') {
        logger.info({ leadId: lead.id, formerOwnerId: event.agentId }, 'lead reclaimed: no contact logged before the deadline');
      } else if (event.type === 'ASSIGNED' && lead.kind === 'REPEAT') {
        logger.info({ leadId: lead.id, ownerId: event.agentId, repeatOf: lead.repeatOfId }, 'returning client sent to their owner');
      }
    }
    for (const { type, offer, cause } of changes.offers) {
      if (type === 'RECEIVED' || (type === 'ACCEPTED' && created.has(offer.leadId))) {
        const key = roundKey(offer.leadId, offer.round);
        let round = rounds.get(key);
        if (!round) rounds.set(key, round = { leadId: offer.leadId, round: offer.round, offered: [], direct: offer.direct });
        round.offered.push(offer.agentId);
        if (type === 'RECEIVED') continue;
      }
      logger.info({
        leadId: offer.leadId, offerId: offer.id, agentId: offer.agentId, round: offer.round, outcome: type, ...(cause ? { cause } : {}),
      }, 'offer closed');
    }
    for (const r of rounds.values()) {
      logger.info({ leadId: r.leadId, round: r.round, direct: r.direct, offered: r.offered, ...await skipped(changes, r.leadId, r.round) }, 'routing round');
    }
  }

  async function flush(): Promise<void> {
    scheduled = false;
    const batch = pending;
    pending = [];
    for (const changes of batch) {
      try {
        await write(changes);
      } catch (err) {
        logger.error({ err }, 'could not log a committed change');
      }
    }
  }

  return {
    /** The LeadChanges listener: keeps the changes for the next turn (no work on the commit's path). */
    onCommitted(changes: CommittedChanges): void {
      // Below info (LOG_LEVEL=warn): not even the round's decisions are read.
      if (!logger.isLevelEnabled('info')) return;
      pending.push(changes);
      if (scheduled) return;
      scheduled = true;
      setImmediate(() => void flush());
    },
  };
}
