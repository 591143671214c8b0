// Leads, offers, lead events and routing rounds on PostgreSQL (SQLite's are in ../sqlite/lead-store.ts).
//
// Several instances change the same leads at once, under READ COMMITTED. Every statement that closes an
// offer takes the lead's row lock before it touches an offer of the lead, so that the routing path
// takes its locks in one order (lead, then its offers, then the source's rotation) and two instances
// never deadlock:
// - The race (claimOffer) is one conditional UPDATE whose condition locks the lead row first: of many
//   accepts of one lead, from any instances, they queue on that lock; the first changes its offer and
//   the lead's other offers to TAKEN before it commits, so every later one finds its offer no longer
//   PENDING and gets no row (OFFER_CLOSED). The partial unique index offers_one_accepted_per_lead makes
//   two winners impossible whatever the statements. (The per-offer claim followed by "take the others",
//   without the lead lock, deadlocks when two accepts of one lead race: each holds its own offer and
//   waits for the other's.)
// - Deadlines (expireDueOffers, expireDueOffersLocking) are claimed with FOR UPDATE SKIP LOCKED on the
//   offer and its lead: two instances' schedulers never take the same offer, never wait for each other,
//   and skip a lead an accept holds (the accept closes its offers, or the next pass expires them). The
//   update is guarded by state = 'PENDING', so an offer expires once.
import { and, asc, desc, eq, getTableColumns, inArray, sql, type SQL } from 'drizzle-orm';
import type { AgentSnapshot } from '../../domain/routing.js';
import type pg from 'pg';
import type { LeadStore, LockedLead, NextRoundWrite, Rotation, RotationTicket, RoundWrite, RoutingRound, WrittenRound } from '../port.js';
import type { LeadEventRow, LeadPatch, LeadRow, NewLead, NewLeadEvent, NewOffer, NotificationRow, OfferRow } from '../rows.js';
import { decodeDecisions, encodeDecisions, type Decisions } from '../routing-decisions.js';
import { pgErrorCode, pgErrorDetail, PgErrorCode, RotationMovedError, userEntryKey, type PgContext, type RotationCommits } from './context.js';
import { commitWithNext, sendWithCommit, waitBeforeCommit } from './commit-batch.js';
import { clientOf, intArray, intArrayText, nullableIntArrayText, PrebuiltShapes, rowMapper, rowsJson, SqlShapes, textArray, textArrayText } from './prebuilt.js';
import { agentSnapshot } from '../roster-rows.js';
import { leadEvents, leads, leadSources, leadUsers, notifications, offers, routingRounds, settings, userOffices, users } from './schema.js';

/** writeRound's rows go as JSON and come back as row_to_json text: both keyed by column name (prebuilt.ts). */
const OFFER_COLUMNS = getTableColumns(offers);
const EVENT_COLUMNS = getTableColumns(leadEvents);
const LEAD_COLUMNS = getTableColumns(leads);
const MESSAGE_COLUMNS = getTableColumns(notifications);
const messageFromRow = rowMapper<NotificationRow>(MESSAGE_COLUMNS);
const offerFromRow = rowMapper<OfferRow>(OFFER_COLUMNS);
const eventFromRow = rowMapper<LeadEventRow>(EVENT_COLUMNS);
const leadFromRow = rowMapper<LeadRow>(LEAD_COLUMNS);
/** The columns of a new lead's row that it gives a value (not the id): writeRound's w_lead inserts those. */
function givenLeadColumns(row: NewLead): string[] {
  return Object.entries(LEAD_COLUMNS)
    .filter(([key, c]) => c.name !== 'id' && (row as unknown as Record<string, unknown>)[key] !== undefined)
    .map(([, c]) => `"${c.name}"`);
}

/**
 * writeRound's w_lead for a new lead: inserted with the columns the row gives a value (the others, and
 * the id, take the table's defaults, as insertLead's do), if the round's w_ok passed. One statement text
 * per set of columns given: submitLead gives the same set every time.
 */
function insertNewLead(columns: readonly string[], routingAnchor: SQL | null): SQL {
  // `routingAnchor`: the anchor's value in SQL, where the round's way decides it (writeRound's alternatives).
  const values = columns.map((c) => (routingAnchor && c === `"${LEAD_COLUMNS.routingAnchor.name}"` ? routingAnchor : sql.raw(`r.${c}`)));
  return sql`w_lead AS (INSERT INTO ${leads} (${sql.raw(columns.join(', '))})
    SELECT ${sql.join(values, sql`, `)}
    FROM json_populate_recordset(NULL::leads, ${sql.placeholder('leadJson')}::json) r WHERE EXISTS (SELECT 1 FROM w_ok)
    RETURNING *)`;
}

/**
 * What decides the text of writeRound's statement. `ok`: how it checks the source's rotation (a
 * compare-and-set with alternatives, `ways`; a plain compare-and-set, `cas`; its ticket's lock, checked
 * at the commit; none); whether it commits with the statement; whether it writes messages; a new lead's
 * columns given (null: an existing lead's next round).
 */
interface RoundShape {
  ok: 'ways' | 'cas' | 'ticket' | 'none';
  committing: boolean;
  messages: boolean;
  insert: readonly string[] | null;
}

/**
 * writeRound's statement, rendered once per shape (prebuilt.ts SqlShapes): drizzle building it at every
 * call took about 0.09 ms of the server's CPU and 50 kB of its allocations per routed lead (a sampling
 * heap profile of the speed benchmark on PostgreSQL, README Performance). Its values are placeholders,
 * named below; writeRound fills them in. Every write is conditional on w_ok; the rows go as JSON
 * (json_populate_recordset gives them the table's column types), so the text is one per shape whatever
 * the number of offers and events. See writeRound for what each part does.
 */
const roundStatements = new SqlShapes<RoundShape>((shape) => {
  const p = (name: string) => sql.placeholder(name);
  const ways = shape.ok === 'ways';
  const way = sql`(SELECT v FROM w_ok)`;
  const checked = shape.ok === 'ways' || shape.ok === 'cas';
  const ok = shape.ok === 'ways'
    ? sql`w_lock AS (SELECT id, rr_last_agent_id, rr_credits FROM ${leadSources} WHERE id = ${p('sourceId')}::int FOR NO KEY UPDATE),
      w_ok AS (UPDATE ${leadSources} SET rr_last_agent_id = (${p('waysNext')}::int[])[p.v], rr_credits = ${p('nextCredits')}::text
        FROM (SELECT l.id, array_position(${p('waysFrom')}::int[], l.rr_last_agent_id) AS v FROM w_lock l
          WHERE l.rr_credits IS NOT DISTINCT FROM ${p('readCredits')}::text) p
        WHERE ${leadSources}.id = p.id AND p.v IS NOT NULL
        RETURNING p.v AS v)`
    : shape.ok === 'cas'
    ? sql`w_lock AS (SELECT id, rr_last_agent_id, rr_credits FROM ${leadSources} WHERE id = ${p('sourceId')}::int FOR NO KEY UPDATE),
      w_ok AS (UPDATE ${leadSources} SET rr_last_agent_id = ${p('nextAnchor')}::int, rr_credits = ${p('nextCredits')}::text
        FROM w_lock l WHERE ${leadSources}.id = l.id AND l.rr_last_agent_id IS NOT DISTINCT FROM ${p('readAnchor')}::int
          AND l.rr_credits IS NOT DISTINCT FROM ${p('readCredits')}::text
        RETURNING 1)`
    : shape.ok === 'ticket'
      ? sql`w_ok AS (SELECT 1 FROM pg_advisory_xact_lock(${p('ticketClass')}::int, ${p('ticket')}::int))`
      : sql`w_ok AS (SELECT 1)`;
  const moved = !checked ? sql``
    : shape.committing
      ? sql`UNION ALL SELECT 'moved', leadrace_rotation_moved(${p('sourceId')}::int, ${sql.raw(ROTATION_NOW_JSON)})::text FROM w_lock
          WHERE NOT EXISTS (SELECT 1 FROM w_ok)`
      : sql`UNION ALL SELECT 'moved', ${sql.raw(ROTATION_NOW_JSON)} FROM w_lock
          WHERE NOT EXISTS (SELECT 1 FROM w_ok)`;
  const lead = shape.insert
    ? insertNewLead(shape.insert, ways ? sql`(${p('waysAnchors')}::int[])[${way}]` : null)
    : sql`w_lead AS (UPDATE ${leads} SET state = ${p('state')}::text, round = ${p('leadRound')}::int, routing_anchor = ${p('routingAnchor')}::int
      WHERE id = ${p('leadId')}::int AND EXISTS (SELECT 1 FROM w_ok))`;
  const leadId = shape.insert ? sql`(SELECT id FROM w_lead)` : sql`${p('leadId')}::int`;
  const newLead = shape.insert ? sql`UNION ALL SELECT 'l', row_to_json(n)::text FROM w_lead n` : sql``;
  const messagesCte = !shape.messages ? sql`` : sql`,
    w_messages AS (INSERT INTO ${notifications} (lead_id, offer_id, user_id, channel, "to", subject, body, status, attempts, next_attempt_at, created_at)
      SELECT o.lead_id, o.id, r.user_id, r.channel, r."to", r.subject, r.body, r.status, r.attempts, r.next_attempt_at, r.created_at
      FROM json_populate_recordset(NULL::notifications, ${p('messagesJson')}::json) WITH ORDINALITY r
      JOIN w_offers o ON o.agent_id = r.user_id
      ORDER BY r.ordinality
      RETURNING *)`;
  const messagesOut = shape.messages ? sql`UNION ALL SELECT 'n', row_to_json(n)::text FROM w_messages n` : sql``;
  return sql`WITH ${ok}, ${lead},
    w_round AS (INSERT INTO ${routingRounds} (lead_id, round, at, decisions)
      SELECT ${leadId}, ${p('round')}::int, ${p('at')}::timestamptz, ${ways ? sql`(${p('waysDecisions')}::text[])[${way}]` : sql`${p('decisions')}::text`} FROM w_ok),
    w_offers AS (INSERT INTO ${offers} (lead_id, agent_id, round, direct, state, offered_at, expires_at, responded_at, reclaimed_at)
      SELECT ${leadId}, r.agent_id, r.round, r.direct, r.state, r.offered_at, r.expires_at, r.responded_at, r.reclaimed_at
      FROM json_populate_recordset(NULL::offers, ${p('offersJson')}::json) WITH ORDINALITY r
      WHERE EXISTS (SELECT 1 FROM w_ok)${ways ? sql` AND (${p('waysOfOffers')}::int[])[r.ordinality::int] = ${way}` : sql``} ORDER BY r.ordinality
      RETURNING *),
    w_events AS (INSERT INTO ${leadEvents} (lead_id, type, at, actor_id, agent_id, offer_id, status_code_id, note)
      SELECT e.lead_id, e.type, e.at, e.actor_id, e.agent_id, e.offer_id, e.status_code_id, e.note FROM (
        SELECT r.lead_id, r.type, r.at, r.actor_id, r.agent_id, r.offer_id, r.status_code_id, r.note, 0 AS g, r.ordinality AS k
          FROM json_populate_recordset(NULL::lead_events, ${p('eventsJson')}::json) WITH ORDINALITY r
        UNION ALL
        SELECT ${leadId}, r.type, r.at, r.actor_id, r.agent_id, r.offer_id, r.status_code_id, r.note, 1, r.ordinality
          FROM json_populate_recordset(NULL::lead_events, ${p('leadEventsJson')}::json) WITH ORDINALITY r
        UNION ALL
        SELECT o.lead_id, 'OFFERED', ${p('at')}::timestamptz, NULL, o.agent_id, o.id, NULL, NULL, 2, o.id FROM w_offers o
      ) e WHERE EXISTS (SELECT 1 FROM w_ok) ORDER BY e.g, e.k
      RETURNING *)${messagesCte}
    SELECT 'o' AS kind, row_to_json(o)::text AS row FROM w_offers o
    UNION ALL SELECT 'e', row_to_json(e)::text FROM w_events e
    UNION ALL SELECT 'ok', ${sql.raw(checked ? WAL_POSITION : 'NULL')} FROM w_ok
    ${ways ? sql`UNION ALL SELECT 'way', v::text FROM w_ok` : sql``}
    ${messagesOut}
    ${newLead}
    ${moved}`;
});

/** A new lead: one insert per set of columns given (prebuilt.ts). */
const leadInsert = new PrebuiltShapes((db, keys) => db.insert(leads)
  .values(Object.fromEntries(keys.map((k) => [k, sql.placeholder(k)])) as unknown as NewLead).returning());

/**
 * The WAL position now, as decimal digits: a rotation's version (port.ts Rotation.version). Read while the
 * statement holds the source row's lock, it orders the row's states: the next writer gets the lock only
 * after this transaction's commit, whose record comes later in the WAL.
 */
const WAL_POSITION = `(pg_current_wal_insert_lsn() - '0/0')::text`;

/**
 * A source row's rotation as JSON ({"anchor", "credits", "version"}, the port's Rotation), from its locked
 * row (w_lock): what a refusal says the rotation is now (`moved`, leadrace_rotation_moved's DETAIL).
 */
const ROTATION_NOW_JSON = `json_build_object('anchor', rr_last_agent_id, 'credits', rr_credits, 'version', ${WAL_POSITION})::text`;

/** How long a first round's COMMIT waits for the round planned before it to end (rotationCheck). */
const GATE_TIMEOUT_MS = 2000;

/** An int[] parameter that may hold NULLs. */
const nullableInts = (xs: readonly (number | null)[]): SQL => sql`${nullableIntArrayText(xs)}::int[]`;

/** Locks the row of the offer's lead (correlated on offers.lead_id): the first lock every offer change takes. */
const LOCK_OWN_LEAD = sql`EXISTS (SELECT 1 FROM ${leads} l WHERE l.id = ${offers.leadId} FOR UPDATE)`;

export function createLeadStore(ctx: PgContext): LeadStore {
  // A transaction's executor refuses every statement once the transaction has ended (pg-store.ts
  // guarded), so keeping it here is safe; every method is async so that refusal is a rejection.
  const { db } = ctx;

  /**
   * The check of a first round's rotation at the commit: the compare-and-set of writeRound, sent with the
   * transaction's COMMIT, after its other statements (commit-batch.ts). A refusal raises
   * (leadrace_rotation_moved, SQLSTATE LR001): the COMMIT never runs, and the store runs the transaction
   * again (pg-store.ts). So the source row is locked only from the check to the end of the COMMIT, inside
   * PostgreSQL: no round trip and no turn of this process's event loop comes in between.
   *
   * This process plans its next round of the source from this one's `next` as soon as this one is
   * planned, so that round's check must run after this one's transaction has ended, and their COMMITs go
   * on different connections, in whatever order PostgreSQL's backends get to them. The order is kept in
   * PostgreSQL: each round's statement takes a lock of its own ticket (pg_advisory_xact_lock(class,
   * ticket), held to its transaction's end), and the check of the round planned after it first waits for
   * that lock. Committed, the check finds the rotation where that round left it and passes; rolled back,
   * it finds the rotation where it was and refuses (LR001), so a round planned from a rotation that never
   * was is run again. The next COMMIT can then be sent as soon as this round's statement has been
   * answered (the lock is held), not only once this round's COMMIT has: a burst of one source's leads has
   * its COMMITs in flight together, each waiting inside PostgreSQL for the one before, instead of one round
   * trip and one turn of this process's event loop each. (Waiting here for each COMMIT's answer, one
   * source's commits queued behind one another whenever a COMMIT took 10 ms on a busy machine: 60-340 ms
   * stalls in the speed benchmark.) Both waits are PostgreSQL locks, which its deadlock detector sees.
   *
   * The wait for the statement's answer is in this process: were that statement ever to wait inside
   * PostgreSQL for a lock this transaction holds, neither would end. Nothing on the routing path takes
   * such a lock (a first round writes only new rows, and a lead sent again waits for its first copy
   * before planning: findLeadByExternalId), but the wait gives up after GATE_TIMEOUT_MS anyway: this
   * round is then refused, rolls back, and runs again, checking at once.
   */
  function rotationCheck(rotation: NonNullable<RoundWrite['rotation']>, after: number, before: Promise<void> | null): void {
    const client = clientOf(db) as pg.PoolClient;
    const { sourceId, read, next } = rotation;
    const int = (n: number | null) => (n === null ? 'NULL' : String(Math.trunc(n)));
    if (before) {
      const until = new Promise<boolean>((resolve) => {
        const timer = setTimeout(() => resolve(false), GATE_TIMEOUT_MS);
        timer.unref();
        void before.then(() => {
          clearTimeout(timer);
          resolve(true);
        });
      });
      waitBeforeCommit(client, until, () => new RotationMovedError(sourceId));
      // Its own statement: under READ COMMITTED the check after it then reads with a snapshot taken
      // once the round before has ended.
      sendWithCommit(client, `SELECT pg_advisory_xact_lock_shared(${int(ctx.shared.ticketLockClass)}, ${int(after)})`, undefined, true);
    }
    const text = (t: string | null) => (t === null ? 'NULL' : client.escapeLiteral(t));
    sendWithCommit(client, `WITH l AS (SELECT id, rr_last_agent_id, rr_credits FROM lead_sources WHERE id = ${int(sourceId)} FOR NO KEY UPDATE),
      u AS (UPDATE lead_sources s SET rr_last_agent_id = ${int(next.anchor)}::int, rr_credits = ${text(next.credits)}::text
        FROM l WHERE s.id = l.id AND l.rr_last_agent_id IS NOT DISTINCT FROM ${int(read.anchor)}::int
          AND l.rr_credits IS NOT DISTINCT FROM ${text(read.credits)}::text
        RETURNING 1)
      SELECT CASE WHEN EXISTS (SELECT 1 FROM u) THEN 1 ELSE leadrace_rotation_moved(${int(sourceId)}) END`, undefined, true);
  }

  /**
   * A round checked at the commit (rotationCheck): what its COMMIT waits for (the round whose `next` it
   * was planned from to hold its ticket's lock, unless that round is of this transaction or has ended),
   * and its own ticket published for the round planned after it, settled by `held` once this round's
   * statement has been answered, or by its transaction's end. Called before the round's statement is
   * sent, so that the next round, planned as soon as this one was, finds it.
   */
  function publishTicket(ticket: RotationTicket, commits: RotationCommits): { before: Promise<void> | null; held: () => void } {
    const tickets = ctx.shared.rotationTickets;
    const before = ticket.after === null || commits.own.has(ticket.after) ? null : tickets.get(ticket.after) ?? null;
    commits.own.add(ticket.mine);
    let held = () => {};
    tickets.set(ticket.mine, new Promise<void>((resolve) => { held = resolve; }));
    commits.ended(() => {
      held();
      tickets.delete(ticket.mine);
    });
    return { before, held };
  }

  /** Locks the rows of these leads, in id order (the order every multi-lead lock takes). */
  async function lockLeads(ids: readonly number[]): Promise<void> {
    if (ids.length === 0) return;
    await db.execute(sql`SELECT id FROM ${leads} WHERE id IN ${sql.raw(`(${[...new Set(ids)].map(Number).join(',')})`)} ORDER BY id FOR UPDATE`);
  }

  return {
    async readRotation(sourceId: number, lock = false): Promise<Rotation> {
      // FOR NO KEY UPDATE, not FOR UPDATE: a transaction that has inserted a lead of the source holds
      // FOR KEY SHARE on this row (the lead's foreign key). FOR UPDATE conflicts with that, so two leads
      // of one source arriving together each waited for the other's key share: a deadlock per pair.
      // FOR NO KEY UPDATE (what writeRound's UPDATE takes anyway) still queues the rotation's readers.
      const query = db.select({ anchor: leadSources.rrLastAgentId, credits: leadSources.rrCredits }).from(leadSources)
        .where(eq(leadSources.id, sourceId));
      const [row] = lock ? await query.for('no key update') : await query;
      return { anchor: row?.anchor ?? null, credits: row?.credits ?? null };
    },

    async setSourceAnchor(sourceId: number, agentId: number): Promise<void> {
      await db.update(leadSources).set({ rrLastAgentId: agentId }).where(eq(leadSources.id, sourceId));
    },

    async loadRoster(): Promise<readonly AgentSnapshot[]> {
      return ctx.shared.roster.get(async () => {
        // The agents' whole rows: findUsers (the agents a round's offers are written to) is served from them.
        const rows = await db.select({
          user: users,
          officeIds: sql<number[] | null>`(SELECT array_agg(${userOffices.officeId} ORDER BY ${userOffices.officeId}) FROM ${userOffices} WHERE ${userOffices.userId} = ${users.id})`,
          companyTimeZone: sql<string | null>`(SELECT ${settings.timeZone} FROM ${settings} WHERE ${settings.id} = 1)`,
        }).from(users).where(eq(users.role, 'AGENT')).orderBy(asc(users.id));
        return {
          roster: rows.map(({ user, officeIds, companyTimeZone }) => agentSnapshot({
            ...user,
            companyTimeZone,
            haltedAt: user.haltedAt?.getTime() ?? null,
            haltUntil: user.haltUntil?.getTime() ?? null,
            officeIds: officeIds ?? [],
          })),
          entries: rows.map(({ user }) => [userEntryKey(user.id), user] as const),
        };
      });
    },

    async generalWinsSince(agentIds: readonly number[], since: Date): Promise<{ agentId: number; at: number }[]> {
      if (agentIds.length === 0) return [];
      const rows = await db.select({ agentId: offers.agentId, at: offers.respondedAt }).from(offers)
        .where(and(inArray(offers.agentId, [...agentIds]), eq(offers.state, 'ACCEPTED'), eq(offers.direct, false),
          sql`${offers.respondedAt} >= ${since}`));
      return rows.map((r) => ({ agentId: r.agentId, at: r.at?.getTime() ?? 0 }));
    },

    async findLead(id: number): Promise<LeadRow | null> {
      const [row] = await db.select().from(leads).where(eq(leads.id, id));
      return row ?? null;
    },

    async lockLead(id: number): Promise<LeadRow | null> {
      const [row] = await db.select().from(leads).where(eq(leads.id, id)).for('update');
      return row ?? null;
    },

    async lockLeadsWithPending(ids: readonly number[]): Promise<LockedLead[]> {
      if (ids.length === 0) return [];
      const rows = await db.select({
        lead: leads,
        // Qualified by hand: drizzle writes a column of a one-table select without its table, and inside
        // these subqueries a bare "id" would be the offer's.
        pending: sql<number>`(SELECT count(*)::int FROM ${offers} AS o WHERE o.lead_id = ${leads}.id AND o.state = 'PENDING')`,
        // What offeredAgentIds would read for each lead whose next round starts: one round trip per lead
        // fewer in a batch of expiries.
        offered: sql<number[] | null>`(SELECT array_agg(DISTINCT o.agent_id) FROM ${offers} AS o WHERE o.lead_id = ${leads}.id)`,
        // And its users: a pass announces its leads without reading them back (ChangeSet.settled).
        userIds: sql<number[] | null>`(SELECT array_agg(u.user_id ORDER BY u.user_id) FROM ${leadUsers} AS u WHERE u.lead_id = ${leads}.id)`,
      }).from(leads).where(inArray(leads.id, [...new Set(ids)])).orderBy(asc(leads.id)).for('update', { of: leads });
      return rows.map(({ lead, pending, offered, userIds }) => ({ lead, pending, offered: new Set(offered ?? []), userIds: userIds ?? [] }));
    },

    async findLeads(ids: readonly number[]): Promise<LeadRow[]> {
      if (ids.length === 0) return [];
      return db.select().from(leads).where(inArray(leads.id, [...ids]));
    },

    async findLeadByExternalId(sourceId: number, externalId: string): Promise<LeadRow | null> {
      // The wait (LeadStore.findLeadByExternalId): a lock of the pair's hash until the transaction ends
      // (two pairs with one hash only wait for each other). Its own statement: the read's snapshot must
      // be taken after the wait, to see the copy that committed meanwhile.
      if (ctx.inTransaction) {
        await db.execute(sql`SELECT pg_advisory_xact_lock(hashtext('leadrace:external-id'), hashtext(${`${sourceId}:${externalId}`}))`);
      }
      const [row] = await db.select().from(leads).where(and(eq(leads.sourceId, sourceId), eq(leads.externalId, externalId)));
      return row ?? null;
    },

    async insertLead(row: NewLead): Promise<LeadRow> {
      const [inserted] = await leadInsert.run(db, row as unknown as Record<string, unknown>);
      if (!inserted) throw new Error('lead insert returned nothing');
      return inserted;
    },

    async updateLead(id: number, patch: LeadPatch): Promise<LeadRow> {
      const [row] = Object.keys(patch).length === 0
        ? await db.select().from(leads).where(eq(leads.id, id))
        : await db.update(leads).set(patch).where(eq(leads.id, id)).returning();
      if (!row) throw new Error(`lead ${id} vanished inside its own transaction`);
      return row;
    },

    async findOffer(id: number): Promise<OfferRow | null> {
      const [row] = await db.select().from(offers).where(eq(offers.id, id));
      return row ?? null;
    },

    async offeredAgentIds(leadId: number): Promise<Set<number>> {
      const rows = await db.selectDistinct({ agentId: offers.agentId }).from(offers).where(eq(offers.leadId, leadId));
      return new Set(rows.map((r) => r.agentId));
    },

    async insertOffers(rows: NewOffer[]): Promise<OfferRow[]> {
      if (rows.length === 0) return [];
      // One multi-row INSERT; RETURNING gives the rows in the order of VALUES.
      return db.insert(offers).values(rows).returning();
    },

    async claimOffer(offerId: number, agentId: number, now: Date): Promise<OfferRow | null> {
      const [row] = await db.update(offers).set({ state: 'ACCEPTED', respondedAt: now })
        .where(and(eq(offers.id, offerId), eq(offers.agentId, agentId), eq(offers.state, 'PENDING'),
          sql`${offers.expiresAt} > ${now}`, LOCK_OWN_LEAD))
        .returning();
      return row ?? null;
    },

    async declineOffer(offerId: number, agentId: number, now: Date): Promise<OfferRow | null> {
      const [row] = await db.update(offers).set({ state: 'DECLINED', respondedAt: now })
        .where(and(eq(offers.id, offerId), eq(offers.agentId, agentId), eq(offers.state, 'PENDING'),
          sql`${offers.expiresAt} > ${now}`, LOCK_OWN_LEAD))
        .returning();
      return row ?? null;
    },

    async takeOtherOffers(leadId: number, now: Date): Promise<OfferRow[]> {
      // The caller holds the lead's lock (its claim took it).
      return db.update(offers).set({ state: 'TAKEN', respondedAt: now })
        .where(and(eq(offers.leadId, leadId), eq(offers.state, 'PENDING'))).returning();
    },

    async expireOffersOfAgent(agentId: number, now: Date): Promise<OfferRow[]> {
      // The leads first, in id order, as every change of their offers locks them.
      const pending = await db.select({ leadId: offers.leadId }).from(offers)
        .where(and(eq(offers.agentId, agentId), eq(offers.state, 'PENDING')));
      await lockLeads(pending.map((p) => p.leadId));
      return db.update(offers).set({ state: 'EXPIRED', respondedAt: now })
        .where(and(eq(offers.agentId, agentId), eq(offers.state, 'PENDING'))).returning();
    },

    async acceptOfferFor(leadId: number, agentId: number, now: Date): Promise<OfferRow | null> {
      await lockLeads([leadId]);
      const [row] = await db.update(offers).set({ state: 'ACCEPTED', respondedAt: now })
        .where(and(eq(offers.leadId, leadId), eq(offers.agentId, agentId), eq(offers.state, 'PENDING'))).returning();
      return row ?? null;
    },

    async expireDueOffers(now: Date, limit: number): Promise<OfferRow[]> {
      // Claimed with their leads, skipping whatever another transaction holds (another instance's
      // pass, an accept in progress); then expired, guarded by state in case of a concurrent change.
      return db.update(offers).set({ state: 'EXPIRED', respondedAt: now })
        .where(and(eq(offers.state, 'PENDING'), sql`${offers.id} IN (
          SELECT o.id FROM ${offers} o JOIN ${leads} l ON l.id = o.lead_id
          WHERE o.state = 'PENDING' AND o.expires_at <= ${now}
          ORDER BY o.expires_at LIMIT ${limit}
          FOR UPDATE OF o, l SKIP LOCKED)`))
        .returning();
    },

    async expireDueOffersLocking(now: Date, limit: number): Promise<{ expired: OfferRow[]; locked: LockedLead[] }> {
      // Two statements in one simple query (so values go in as literals). The first expires as
      // expireDueOffers does and keeps the ids of the leads it touched for the second (set_config, local to
      // the transaction); the second, run with a snapshot taken after the first, locks those leads as
      // lockLeadsWithPending does: it sees the expiry, and whatever committed before it got the locks.
      // Rows come back as JSON text, keyed by column name, as writeRound's do.
      const at = `'${now.toISOString()}'::timestamptz`;
      const results = await db.execute(sql.raw(`WITH e AS (UPDATE offers SET state = 'EXPIRED', responded_at = ${at}
          WHERE state = 'PENDING' AND id IN (SELECT o.id FROM offers o JOIN leads l ON l.id = o.lead_id
            WHERE o.state = 'PENDING' AND o.expires_at <= ${at}
            ORDER BY o.expires_at LIMIT ${Math.max(0, Math.trunc(limit))}
            FOR UPDATE OF o, l SKIP LOCKED)
          RETURNING *)
        SELECT set_config('leadrace.expired_leads', coalesce((SELECT array_agg(DISTINCT lead_id)::text FROM e), '{}'), true) AS leads,
          coalesce((SELECT json_agg(e)::text FROM e), '[]') AS rows;
        SELECT json_build_object('lead', row_to_json(l),
          'pending', (SELECT count(*) FROM offers o WHERE o.lead_id = l.id AND o.state = 'PENDING'),
          'offered', (SELECT array_agg(DISTINCT o.agent_id) FROM offers o WHERE o.lead_id = l.id),
          'userIds', (SELECT array_agg(u.user_id ORDER BY u.user_id) FROM lead_users u WHERE u.lead_id = l.id))::text AS row
        FROM leads l WHERE l.id = ANY (current_setting('leadrace.expired_leads')::int[])
        ORDER BY l.id FOR UPDATE OF l`)) as unknown as [pg.QueryResult<{ rows: string }>, pg.QueryResult<{ row: string }>];
      const [expiry, lock] = results;
      if (!expiry?.rows[0] || !lock) throw new Error('the expiry and lock of a deadline pass did not answer twice');
      const expired = (JSON.parse(expiry.rows[0].rows) as Record<string, unknown>[]).map(offerFromRow);
      const locked = lock.rows.map((r) => {
        const row = JSON.parse(r.row) as { lead: Record<string, unknown>; pending: number; offered: number[] | null; userIds: number[] | null };
        return { lead: leadFromRow(row.lead), pending: row.pending, offered: new Set(row.offered ?? []), userIds: row.userIds ?? [] };
      });
      return { expired, locked };
    },

    async earliestPendingDeadline(): Promise<number | null> {
      const [row] = await db.select({ at: sql<Date | null>`min(${offers.expiresAt})`.mapWith(offers.expiresAt) }).from(offers)
        .where(eq(offers.state, 'PENDING'));
      return row?.at ? row.at.getTime() : null;
    },

    async claimDueContactDeadlines(now: Date, limit: number): Promise<LeadRow[]> {
      // Claimed FOR UPDATE SKIP LOCKED: another instance's pass, or a change of the lead in progress
      // (a logContact clearing the deadline), holds the others, and the next pass sees what is left.
      // Clearing the deadline, guarded by it still being due, makes the claim once-only; owner and
      // state come back as they were, for the reclaim to check.
      return db.update(leads).set({ contactDueAt: null })
        .where(and(sql`${leads.contactDueAt} <= ${now}`, sql`${leads.id} IN (
          SELECT l.id FROM ${leads} l WHERE l.contact_due_at <= ${now}
          ORDER BY l.contact_due_at LIMIT ${limit}
          FOR UPDATE SKIP LOCKED)`))
        .returning();
    },

    async markAcceptedOfferReclaimed(leadId: number, now: Date): Promise<OfferRow | null> {
      // The caller holds the lead's lock (its claim took it).
      const [row] = await db.update(offers).set({ reclaimedAt: now })
        .where(and(eq(offers.leadId, leadId), eq(offers.state, 'ACCEPTED'), sql`${offers.reclaimedAt} IS NULL`)).returning();
      return row ?? null;
    },

    async earliestDeadlines(): Promise<{ offer: number | null; contact: number | null }> {
      // One round trip for both (the scheduler reads them after every pass that leaves no backlog, and
      // every second with several instances): each subquery is the same index probe as the reads below.
      const { rows } = await db.execute<{ offer: string | null; contact: string | null }>(sql`SELECT
        (SELECT floor(extract(epoch FROM min(${offers.expiresAt})) * 1000)::bigint FROM ${offers} WHERE ${offers.state} = 'PENDING')::text AS offer,
        (SELECT floor(extract(epoch FROM min(${leads.contactDueAt})) * 1000)::bigint FROM ${leads} WHERE ${leads.contactDueAt} IS NOT NULL)::text AS contact`);
      const ms = (v: string | null | undefined) => (v == null ? null : Number(v));
      return { offer: ms(rows[0]?.offer), contact: ms(rows[0]?.contact) };
    },

    async earliestContactDeadline(): Promise<number | null> {
      const [row] = await db.select({ at: sql<Date | null>`min(${leads.contactDueAt})`.mapWith(leads.contactDueAt) }).from(leads)
        .where(sql`${leads.contactDueAt} IS NOT NULL`);
      return row?.at ? row.at.getTime() : null;
    },

    async findRepeatOwner(email: string | null, phone: string | null): Promise<{ leadId: number; ownerId: number } | null> {
      // One probe per index (leads_email_id, leads_phone_id), newest first, stopping at the first lead
      // whose owner is active; the newer of the two matches wins.
      const probe = async (column: 'email' | 'phone', value: string | null) => {
        if (value === null) return null;
        const [row] = await db.select({ leadId: leads.id, ownerId: sql<number>`${leads.ownerId}` }).from(leads)
          .innerJoin(users, eq(users.id, leads.ownerId))
          .where(and(eq(column === 'email' ? leads.email : leads.phone, value), sql`${leads.ownerId} IS NOT NULL`, eq(users.active, true)))
          .orderBy(desc(leads.id)).limit(1);
        return row ?? null;
      };
      const byEmail = await probe('email', email);
      const byPhone = await probe('phone', phone);
      if (byEmail && byPhone) return byEmail.leadId > byPhone.leadId ? byEmail : byPhone;
      return byEmail ?? byPhone;
    },

    async insertEvents(rows: NewLeadEvent[]): Promise<LeadEventRow[]> {
      if (rows.length === 0) return [];
      return db.insert(leadEvents).values(rows).returning();
    },

    async insertRoutingRound(leadId: number, round: number, at: Date, decisions: Decisions): Promise<void> {
      await db.insert(routingRounds).values({ leadId, round, at, decisions: encodeDecisions(decisions) });
    },

    async checksRotationAtCommit(): Promise<boolean> {
      return ctx.rotationAtCommit !== null;
    },

    async writeRound(write: RoundWrite): Promise<WrittenRound | { moved: Rotation }> {
      const { rotation } = write;
      const offered = new Set([write.offers, ...(write.alternatives ?? []).map((a) => a.offers)].flat().map((o) => o.agentId));
      const stray = (write.messages ?? []).find((m) => !offered.has(m.userId));
      if (stray) throw new Error(`a round's message is for agent ${stray.userId}, who has no offer in it`);
      // Checked at the commit (RoundWrite.ticket, rotationCheck), or else here, as a transaction run
      // again after a refusal does.
      const commits = ctx.rotationAtCommit;
      const planned = rotation?.ticket !== undefined && commits ? rotation.ticket : null;
      // Committed with its statement (RoundWrite.commit): the statement and the COMMIT are one round trip
      // (commit-batch.ts commitWithNext), and the rotation is checked by the statement itself, under the
      // source row's lock, which is then held only while PostgreSQL runs the statement and the COMMIT:
      // no round trip and no turn of this process's event loop comes in between. A rotation found moved
      // raises LR001 instead of coming back: the COMMIT after it is skipped, and the store runs the
      // transaction again. The error says where the rotation is now (its DETAIL, read under the lock:
      // RotationMovedError.rotationNow), and the run after it plans from there and commits with its
      // statement again (pg-store.ts runTransaction; once more at most, then it checks at once and
      // commits on its own, PgContext.commitWithRound).
      // With other instances too. The thirteenth session kept them to checking at once, the source row
      // locked from the round's statement to its separate COMMIT: a round trip and a turn of the event
      // loop with the row locked, on every lead, and a refusal (common there: the other instances' rounds
      // move the rotation too) planned again and written inside the lock, one more. On two instances of a
      // two-core machine the speed benchmark's p99 went from 49 ms to 1.5 s from run to run: once rounds
      // queue on the row, each waits for the one before it to be answered and send its COMMIT. A refusal
      // here costs a ROLLBACK and the statement again, and holds no lock in between; the rounds queued
      // behind it in this process plan from the rotation it found (routing-service.ts), not from its own.
      // Not while the round this one was planned after is still in flight (one instance alone, checking at
      // the commit): its statement and this one go on different connections, and this one, reaching
      // PostgreSQL first, would find the rotation not yet moved and be run again (at 16 leads of one
      // source in flight, 44 % of them were). It is then checked at the commit behind that round, as
      // before (rotationCheck). Its ticket is published either way, so that the round planned after it
      // waits for it.
      const afterInFlight = planned !== null && planned.after !== null && !commits?.own.has(planned.after)
        && ctx.shared.rotationTickets.has(planned.after);
      const committing = write.commit === true && ctx.commitWithRound && !afterInFlight
        && commitWithNext(clientOf(db) as pg.PoolClient);
      const published = planned && commits ? publishTicket(planned, commits) : null;
      const ticket = committing ? null : planned;
      // The compare-and-set. w_lock takes the source row's lock first (waiting for a concurrent round's
      // commit, then reading the row as that round left it: READ COMMITTED locks the newest version), and
      // the UPDATE compares w_lock's values, not its own, with what the round was planned from: the
      // UPDATE's own WHERE would be checked against the statement's snapshot, taken before that commit
      // (the newest version is rechecked only for rows the snapshot's version already matched). Refused,
      // the statement returns the rotation as it is, still locked: a round planned again from it passes.
      // Checked at the commit, the round's statement takes its ticket's lock (rotationCheck).
      // With alternatives (RoundAlternative), the compare picks instead: the round as planned is the first
      // way (w_ok.v = 1) and each alternative the next; v is the first whose `from` is the anchor w_lock
      // found (array_position compares as IS NOT DISTINCT FROM), and every way-dependent value below
      // (the source's next anchor, the lead's, the decisions, which offers) is taken from an array at v.
      const alternatives = rotation && !ticket && 'insert' in write.lead && write.alternatives?.length ? write.alternatives : null;
      const ways = alternatives ? [{ from: rotation!.read.anchor, next: rotation!.next.anchor, routingAnchor: write.patch.routingAnchor ?? 0, decisions: write.decisions, offers: write.offers }, ...alternatives] : null;
      // A new lead (a first round as the lead comes in) is inserted here, with the patch, and the round's
      // rows take its id from w_lead: the lead's own insert would be one more round trip before the offer.
      // Its foreign key's check (KEY SHARE on the source row) runs at the end of the statement, after
      // w_lock's FOR NO KEY UPDATE, which it does not conflict with. An existing lead gets the patch
      // (`patched`: the lead as the round leaves it; a new lead comes back from the statement).
      // The rows go as JSON, one statement text per shape of round whatever the number of offers and
      // events (roundStatements, at the top). Ids follow the rows' order (ORDER BY): the transaction's
      // earlier events (g 0), the lead's own (g 1), then each offer's OFFERED (g 2).
      // The round's messages (RoundWrite.messages) go with its offers, each to the offer of its user: a
      // round offers an agent the lead once.
      const messages = write.messages ?? [];
      const newRow = 'insert' in write.lead ? { ...write.lead.insert, ...write.patch } : null;
      const patched: LeadRow | null = 'insert' in write.lead ? null : { ...write.lead, ...write.patch };
      const shape: RoundShape = {
        ok: ways ? 'ways' : rotation && !ticket ? 'cas' : ticket ? 'ticket' : 'none',
        committing: Boolean(committing),
        messages: messages.length > 0,
        insert: newRow ? givenLeadColumns(newRow) : null,
      };
      const values: Record<string, unknown> = {
        round: write.round,
        at: write.at,
        offersJson: rowsJson(OFFER_COLUMNS, ways ? ways.flatMap((w) => w.offers) : write.offers),
        eventsJson: rowsJson(EVENT_COLUMNS, write.events),
        leadEventsJson: rowsJson(EVENT_COLUMNS, write.leadEvents),
      };
      if (rotation) {
        values.sourceId = rotation.sourceId;
        values.nextAnchor = rotation.next.anchor;
        values.nextCredits = rotation.next.credits;
        values.readAnchor = rotation.read.anchor;
        values.readCredits = rotation.read.credits;
      }
      if (ticket) {
        values.ticketClass = ctx.shared.ticketLockClass;
        values.ticket = ticket.mine;
      }
      if (ways) {
        values.waysNext = nullableIntArrayText(ways.map((w) => w.next));
        values.waysFrom = nullableIntArrayText(ways.map((w) => w.from));
        values.waysAnchors = intArrayText(ways.map((w) => w.routingAnchor));
        values.waysDecisions = textArrayText(ways.map((w) => encodeDecisions(w.decisions)));
        values.waysOfOffers = intArrayText(ways.flatMap((w, i) => w.offers.map(() => i + 1)));
      } else {
        values.decisions = encodeDecisions(write.decisions);
      }
      if (newRow) values.leadJson = rowsJson(LEAD_COLUMNS, [newRow]);
      if (patched) {
        values.leadId = patched.id;
        values.state = patched.state;
        values.leadRound = patched.round;
        values.routingAnchor = patched.routingAnchor;
      }
      if (messages.length > 0) values.messagesJson = rowsJson(MESSAGE_COLUMNS, messages);
      const key = `${shape.ok}|${shape.committing ? 'commit' : ''}|${shape.messages ? 'messages' : ''}|${shape.insert ? shape.insert.join(',') : 'patch'}`;
      const statement = (clientOf(db) as pg.PoolClient).query<{ kind: 'l' | 'o' | 'e' | 'n' | 'ok' | 'way' | 'moved'; row: string | null }>(
        roundStatements.query(key, shape, values));
      let rows: { kind: 'l' | 'o' | 'e' | 'n' | 'ok' | 'way' | 'moved'; row: string | null }[];
      try {
        ({ rows } = await statement);
      } catch (err) {
        // Refused in the committing statement: where the rotation is now goes with the error.
        const detail = pgErrorCode(err) === PgErrorCode.ROTATION_MOVED ? pgErrorDetail(err) : null;
        if (rotation && detail) throw new RotationMovedError(rotation.sourceId, JSON.parse(detail) as Rotation, err);
        throw err;
      } finally {
        published?.held();
      }
      const okRow = rows.find((r) => r.kind === 'ok');
      if (!okRow) {
        const now = rows.find((r) => r.kind === 'moved');
        if (!now?.row) throw new Error(`lead source ${rotation?.sourceId} vanished inside a routing transaction`);
        return { moved: JSON.parse(now.row) as Rotation };
      }
      let written = patched;
      const made = { offers: [] as OfferRow[], events: [] as LeadEventRow[], messages: [] as NotificationRow[] };
      for (const r of rows) {
        if (r.kind === 'o') made.offers.push(offerFromRow(JSON.parse(r.row as string) as Record<string, unknown>));
        else if (r.kind === 'e') made.events.push(eventFromRow(JSON.parse(r.row as string) as Record<string, unknown>));
        else if (r.kind === 'n') made.messages.push(messageFromRow(JSON.parse(r.row as string) as Record<string, unknown>));
        else if (r.kind === 'l') written = leadFromRow(JSON.parse(r.row as string) as Record<string, unknown>);
      }
      if (!written) throw new Error('a new lead\'s insert returned nothing');
      if (rotation && ticket) rotationCheck(rotation, ticket.after ?? 0, published?.before ?? null);
      made.offers.sort((x, y) => x.id - y.id);
      made.events.sort((x, y) => x.id - y.id);
      made.messages.sort((x, y) => x.id - y.id);
      const wayRow = rows.find((r) => r.kind === 'way');
      const alternative = wayRow?.row ? Number(wayRow.row) - 2 : -1;
      return { lead: written, ...made, ...(okRow.row ? { rotationVersion: okRow.row } : {}), ...(alternative >= 0 ? { alternative } : {}) };
    },

    async writeRounds(at: Date, events: NewLeadEvent[], rounds: readonly NextRoundWrite[]): Promise<WrittenRound[]> {
      if (rounds.length === 0) {
        if (events.length > 0) throw new Error('writeRounds was given events and no round to write them with');
        return [];
      }
      const patched = rounds.map((r) => ({ ...r.lead, ...r.patch }));
      const ids = patched.map((l) => l.id);
      if (new Set(ids).size !== ids.length) throw new Error('writeRounds was given two rounds of one lead');
      const leadIds = intArray(ids);
      // As writeRound writes one round, every round's rows in one statement: the leads' patches and the
      // rounds as arrays, the rows as JSON. Ids follow the rows' order (ORDER BY): the transaction's events
      // (g 0), then round by round (i) its lead's own events (h 0) and each offer's OFFERED (h 1).
      const { rows } = await db.execute<{ kind: 'o' | 'e'; row: string }>(sql`WITH w_lead AS (UPDATE ${leads} l
          SET state = u.state, round = u.round, routing_anchor = u.routing_anchor
          FROM unnest(${leadIds}, ${textArray(patched.map((l) => l.state))}, ${intArray(patched.map((l) => l.round))},
            ${nullableInts(patched.map((l) => l.routingAnchor))}) AS u(id, state, round, routing_anchor)
          WHERE l.id = u.id),
        w_round AS (INSERT INTO ${routingRounds} (lead_id, round, at, decisions)
          SELECT u.lead_id, u.round, ${at}::timestamptz, u.decisions
          FROM unnest(${leadIds}, ${intArray(rounds.map((r) => r.round))}, ${textArray(rounds.map((r) => encodeDecisions(r.decisions)))}) AS u(lead_id, round, decisions)),
        w_offers AS (INSERT INTO ${offers} (lead_id, agent_id, round, direct, state, offered_at, expires_at, responded_at, reclaimed_at)
          SELECT r.lead_id, r.agent_id, r.round, r.direct, r.state, r.offered_at, r.expires_at, r.responded_at, r.reclaimed_at
          FROM json_populate_recordset(NULL::offers, ${rowsJson(OFFER_COLUMNS, rounds.flatMap((r) => r.offers.map((o) => ({ ...o, leadId: r.lead.id }))))}::json) WITH ORDINALITY r
          ORDER BY r.ordinality
          RETURNING *),
        w_events AS (INSERT INTO ${leadEvents} (lead_id, type, at, actor_id, agent_id, offer_id, status_code_id, note)
          SELECT e.lead_id, e.type, e.at, e.actor_id, e.agent_id, e.offer_id, e.status_code_id, e.note FROM (
            SELECT r.lead_id, r.type, r.at, r.actor_id, r.agent_id, r.offer_id, r.status_code_id, r.note, 0 AS g, 0 AS i, 0 AS h, r.ordinality AS k
              FROM json_populate_recordset(NULL::lead_events, ${rowsJson(EVENT_COLUMNS, events)}::json) WITH ORDINALITY r
            UNION ALL
            SELECT r.lead_id, r.type, r.at, r.actor_id, r.agent_id, r.offer_id, r.status_code_id, r.note, 1, array_position(${leadIds}, r.lead_id), 0, r.ordinality
              FROM json_populate_recordset(NULL::lead_events, ${rowsJson(EVENT_COLUMNS, rounds.flatMap((r) => r.leadEvents.map((e) => ({ ...e, leadId: r.lead.id }))))}::json) WITH ORDINALITY r
            UNION ALL
            SELECT o.lead_id, 'OFFERED', ${at}::timestamptz, NULL, o.agent_id, o.id, NULL, NULL, 1, array_position(${leadIds}, o.lead_id), 1, o.id FROM w_offers o
          ) e ORDER BY e.g, e.i, e.h, e.k
          RETURNING *)
        SELECT 'o' AS kind, row_to_json(o)::text AS row FROM w_offers o
        UNION ALL SELECT 'e', row_to_json(e)::text FROM w_events e`);
      const made = new Map(ids.map((id) => [id, { offers: [] as OfferRow[], events: [] as LeadEventRow[] }]));
      const written = { offers: [] as OfferRow[], events: [] as LeadEventRow[] };
      for (const r of rows) {
        if (r.kind === 'o') written.offers.push(offerFromRow(JSON.parse(r.row) as Record<string, unknown>));
        else written.events.push(eventFromRow(JSON.parse(r.row) as Record<string, unknown>));
      }
      written.offers.sort((x, y) => x.id - y.id);
      written.events.sort((x, y) => x.id - y.id);
      // The transaction's events have the lowest ids (g 0): they come back with the first round.
      const ofChange = written.events.slice(0, events.length);
      for (const o of written.offers) made.get(o.leadId)?.offers.push(o);
      for (const e of written.events.slice(events.length)) made.get(e.leadId)?.events.push(e);
      return patched.map((lead, i) => {
        const own = made.get(lead.id) as { offers: OfferRow[]; events: LeadEventRow[] };
        return { lead, offers: own.offers, events: i === 0 ? [...ofChange, ...own.events] : own.events, messages: [] };
      });
    },

    async routingRoundDecisions(leadId: number, round: number): Promise<string | null> {
      const [row] = await db.select({ decisions: routingRounds.decisions }).from(routingRounds)
        .where(and(eq(routingRounds.leadId, leadId), eq(routingRounds.round, round)));
      return row?.decisions ?? null;
    },

    async routingRounds(leadId: number, only: number | 'LAST' | null = null): Promise<RoutingRound[]> {
      const query = db.select().from(routingRounds)
        .where(and(eq(routingRounds.leadId, leadId), typeof only === 'number' ? eq(routingRounds.round, only) : undefined))
        .orderBy(only === 'LAST' ? desc(routingRounds.round) : asc(routingRounds.round));
      const rows = only === 'LAST' ? await query.limit(1) : await query;
      return rows.map((r) => ({ round: r.round, at: r.at, decisions: decodeDecisions(r.decisions) }));
    },

    async offersOfLead(leadId: number): Promise<OfferRow[]> {
      return db.select().from(offers).where(eq(offers.leadId, leadId)).orderBy(asc(offers.id));
    },

    async eventsOfLead(leadId: number): Promise<LeadEventRow[]> {
      return db.select().from(leadEvents).where(eq(leadEvents.leadId, leadId)).orderBy(asc(leadEvents.id));
    },

    async pendingOffersOfAgent(agentId: number, now: Date): Promise<OfferRow[]> {
      return db.select().from(offers)
        .where(and(eq(offers.agentId, agentId), eq(offers.state, 'PENDING'), sql`${offers.expiresAt} > ${now}`))
        .orderBy(asc(offers.offeredAt), asc(offers.id));
    },

    async userIdsOfLead(leadId: number): Promise<number[]> {
      const rows = await db.select({ userId: leadUsers.userId }).from(leadUsers).where(eq(leadUsers.leadId, leadId)).orderBy(asc(leadUsers.userId));
      return rows.map((r) => r.userId);
    },

    async leadsWithUsers(ids: readonly number[]): Promise<{ lead: LeadRow; userIds: number[] }[]> {
      if (ids.length === 0) return [];
      // One round trip for the leads and their users (it runs inside routing transactions).
      const rows = await db.select({
        lead: getTableColumns(leads),
        userIds: sql<number[] | null>`(SELECT array_agg(${leadUsers.userId} ORDER BY ${leadUsers.userId}) FROM ${leadUsers} WHERE ${leadUsers.leadId} = ${leads.id})`,
      }).from(leads).where(inArray(leads.id, [...ids]));
      return rows.map((r) => ({ lead: r.lead, userIds: r.userIds ?? [] }));
    },

    async relationOf(leadId: number, agentId: number): Promise<{ isUser: boolean; wasOffered: boolean }> {
      const [row] = await db.select({
        isUser: sql<boolean>`EXISTS (SELECT 1 FROM ${leadUsers} WHERE ${leadUsers.leadId} = ${leadId} AND ${leadUsers.userId} = ${agentId})`,
        wasOffered: sql<boolean>`EXISTS (SELECT 1 FROM ${offers} WHERE ${offers.leadId} = ${leadId} AND ${offers.agentId} = ${agentId})`,
      }).from(sql`(SELECT 1) AS one`);
      return { isUser: row?.isUser === true, wasOffered: row?.wasOffered === true };
    },

    async stalledRoutingLeads(): Promise<LeadRow[]> {
      return db.select().from(leads).where(and(eq(leads.state, 'ROUTING'),
        sql`NOT EXISTS (SELECT 1 FROM ${offers} WHERE ${offers.leadId} = ${leads.id} AND ${offers.state} = 'PENDING')`))
        .orderBy(desc(leads.id));
    },
  };
}
