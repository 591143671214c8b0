// Seeds a SQLite file with a realistic brokerage straight through SQL, for benchmarks that need a
// big database fast (the API would take an hour for 300,000 routed leads): offices, agents with
// offices and tags, lead groups, sources with their race sizes, and leads routed in one to three
// rounds, each with its offers, the events those rounds write, its routing rounds and, for some,
// a status change and a lead user. One agent (the "searcher") owns exactly `searcherLeads` leads
// and works a few more, so a benchmark can time an agent whose own leads are few among many.
//
// The bulk rows go in bare: the indexes and triggers the migrations built on the bulk tables are
// set aside first and rebuilt afterwards from their own SQL, then the migrations' backfills fill
// the derived tables (the trigram search index, the dashboard's rollups, the search watermark),
// as scripts/bench-lead-list.ts does. The result is the schema exactly as migrated.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openDatabase } from '../../../src/store/sqlite/database.js';
import { encodeDecisions, type Decisions } from '../../../src/store/routing-decisions.js';

export interface BrokerageShape {
  leads: number;
  agents: number;
  offices: number;
  sources: number;
  /** Leads the searcher agent owns. */
  searcherLeads: number;
}

export interface SeededBrokerage {
  /** The agent who owns exactly `searcherLeads` leads (and works a few more). */
  searcherId: number;
  /** Every agent's id. */
  agentIds: number[];
  counts: { leads: number; offers: number; events: number; rounds: number; leadUsers: number };
  seconds: number;
}

const BULK_TABLES = ['leads', 'offers', 'lead_users', 'lead_events', 'routing_rounds'];
const MIGRATIONS = fileURLToPath(new URL('../../../drizzle', import.meta.url));
const DAY = 86_400_000;

/** The migrations' INSERT ... SELECT backfills, in order: what a derived table holds for rows already there. */
function migrationBackfills(): string[] {
  return readdirSync(MIGRATIONS).filter((f) => f.endsWith('.sql')).sort()
    .flatMap((f) => readFileSync(join(MIGRATIONS, f), 'utf8').split('--> statement-breakpoint'))
    .map((statement) => statement.split('\n').filter((line) => !line.trimStart().startsWith('--')).join('\n').trim())
    .filter((statement) => /^INSERT (OR REPLACE )?INTO/i.test(statement));
}

const FIRST = ['Dana', 'Ole', 'Maria', 'James', 'Wei', 'Aisha', 'Carlos', 'Emma', 'Noah', 'Priya', 'Liam', 'Sofia', 'Kenji', 'Fatima', 'Lucas',
  'Zoë', 'Björn', 'Chloé', 'Mateo', 'Hana'];
const LAST = ['Reyes', 'Brandt', 'Garcia', 'Smith', 'Chen', 'Khan', 'Lopez', 'Muller', 'Okafor', 'Patel', 'Nguyen', 'Rossi', 'Sato', 'Haddad', 'Silva',
  'Johansson', 'Dubois', 'Kowalski', 'Ibrahim', 'Novak'];
const MESSAGES = ['Looking for a 3-bed near the lake', 'Is this listing still available?', 'We would like a showing this weekend',
  'Pre-approved, moving in spring', null];

export function seedBrokerage(file: string, shape: BrokerageShape, end = Date.UTC(2026, 0, 5, 9)): SeededBrokerage {
  const t0 = performance.now();
  // A repeatable pseudo-random sequence (mulberry32): the same brokerage on every run.
  let seed = 0x5eed;
  const rand = (): number => {
    seed = (seed + 0x6d2b79f5) | 0;
    let x = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)] as T;

  const handle = openDatabase(file);
  const { sqlite } = handle;
  sqlite.pragma('synchronous = OFF');
  const derived = sqlite.prepare(`SELECT type, name, sql FROM sqlite_master WHERE type IN ('index', 'trigger')
    AND tbl_name IN (${BULK_TABLES.map(() => '?').join(', ')}) AND sql IS NOT NULL`).all(...BULK_TABLES) as { type: 'index' | 'trigger'; name: string; sql: string }[];
  for (const d of derived) sqlite.exec(`DROP ${d.type.toUpperCase()} "${d.name}"`);

  const agentIds: number[] = [];
  const sources: { id: number; race: number }[] = [];
  sqlite.transaction(() => {
    const office = sqlite.prepare('INSERT INTO offices (name) VALUES (?)');
    const officeIds = Array.from({ length: shape.offices }, (_, i) => Number(office.run(`Office ${i + 1}`).lastInsertRowid));
    const tag = sqlite.prepare('INSERT INTO tags (name) VALUES (?)');
    const tagIds = Array.from({ length: 15 }, (_, i) => Number(tag.run(`Tag ${i + 1}`).lastInsertRowid));
    const user = sqlite.prepare(`INSERT INTO users (name, email, phone, role, handle) VALUES (?, ?, ?, 'AGENT', ?)`);
    const userOffice = sqlite.prepare('INSERT OR IGNORE INTO user_offices (user_id, office_id) VALUES (?, ?)');
    const userTag = sqlite.prepare('INSERT OR IGNORE INTO user_tags (user_id, tag_id) VALUES (?, ?)');
    for (let i = 1; i <= shape.agents; i++) {
      const id = Number(user.run(`${pick(FIRST)} ${pick(LAST)} ${i}`, `agent${i}@brokerage.example`, `+1512777${String(i).padStart(4, '0')}`,
        `agent${i}`).lastInsertRowid);
      agentIds.push(id);
      userOffice.run(id, pick(officeIds));
      if (rand() < 0.1) userOffice.run(id, pick(officeIds));
      for (let k = Math.floor(rand() * 4); k > 0; k--) userTag.run(id, pick(tagIds));
    }
    const group = sqlite.prepare('INSERT INTO lead_groups (name) VALUES (?)');
    const member = sqlite.prepare('INSERT OR IGNORE INTO lead_group_members (group_id, user_id) VALUES (?, ?)');
    const groupIds: number[] = [];
    for (let g = 1; g <= 6; g++) {
      const id = Number(group.run(`Group ${g}`).lastInsertRowid);
      groupIds.push(id);
      for (let k = 20 + Math.floor(rand() * 60); k > 0; k--) member.run(id, pick(agentIds));
    }
    const source = sqlite.prepare(`INSERT INTO lead_sources (name, public_key, race_agent_count, acceptance_window_seconds,
      lead_group_id, referral_fee_percent) VALUES (?, ?, ?, 900, ?, ?)`);
    const sourceOffice = sqlite.prepare('INSERT OR IGNORE INTO lead_source_offices (source_id, office_id) VALUES (?, ?)');
    for (let s = 1; s <= shape.sources; s++) {
      const race = pick([1, 1, 2, 3, 3, 5]);
      const id = Number(source.run(`Source ${s}`, `bench-key-${s}`, race, rand() < 0.2 ? pick(groupIds) : null, pick([0, 10, 25])).lastInsertRowid);
      for (let k = Math.floor(rand() * 4); k > 0; k--) sourceOffice.run(id, pick(officeIds));
      sources.push({ id, race });
    }
    const status = sqlite.prepare('INSERT INTO status_codes (name, position) VALUES (?, ?)');
    const existing = sqlite.prepare('SELECT count(*) FROM status_codes').pluck().get() as number;
    ['Contacted', 'Showing Houses', 'Offer Made', 'Under Contract', 'Closed', 'Lost'].forEach((name, i) => status.run(name, existing + i + 1));
  })();
  const codes = sqlite.prepare('SELECT id FROM status_codes ORDER BY position').pluck().all() as number[];
  const searcherId = agentIds[agentIds.length - 1] as number;
  const others = agentIds.slice(0, -1);

  const lead = sqlite.prepare(`INSERT INTO leads (id, source_id, kind, state, target_user_id, owner_id, status_code_id, first_name,
    last_name, email, phone, message, referral_fee_percent, round, created_at, assigned_at) VALUES
    (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
  const offer = sqlite.prepare(`INSERT INTO offers (lead_id, agent_id, round, direct, state, offered_at, expires_at, responded_at)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?)`);
  const event = sqlite.prepare('INSERT INTO lead_events (lead_id, type, at, actor_id, agent_id, offer_id, status_code_id) VALUES (?, ?, ?, ?, ?, ?, ?)');
  const round = sqlite.prepare('INSERT INTO routing_rounds (lead_id, round, at, decisions) VALUES (?, ?, ?, ?)');
  const leadUser = sqlite.prepare('INSERT OR IGNORE INTO lead_users (lead_id, user_id) VALUES (?, ?)');
  const counts = { leads: 0, offers: 0, events: 0, rounds: 0, leadUsers: 0 };
  const start = end - 365 * DAY;
  const step = (end - start) / shape.leads;
  // The searcher's leads, spread evenly over the ids; a few more they work as a lead user.
  const searcherEvery = Math.max(1, Math.floor(shape.leads / shape.searcherLeads));
  const window = 900_000;
  sqlite.transaction(() => {
    for (let id = 1; id <= shape.leads; id++) {
      const at = Math.floor(start + id * step);
      const src = pick(sources);
      const first = pick(FIRST);
      const last = pick(LAST);
      const emit = (type: string, when: number, agentId: number | null, offerId: number | null, statusCodeId: number | null = null) => {
        event.run(id, type, when, null, agentId, offerId, statusCodeId);
        counts.events += 1;
      };
      const makeOffer = (agentId: number, r: number, direct: boolean, state: string, responded: number | null): number => {
        counts.offers += 1;
        return Number(offer.run(id, agentId, r, direct ? 1 : 0, state, at, at + window * r, responded).lastInsertRowid);
      };
      const searcherOwns = id % searcherEvery === Math.floor(searcherEvery / 2) && id < searcherEvery * shape.searcherLeads;
      const recent = id > shape.leads - 100;
      const direct = !searcherOwns && !recent && rand() < 0.1;
      // The outcome first (the lead row is written once, before the rows that reference it).
      const rounds = direct ? 0 : rand() < 0.6 ? 1 : rand() < 0.75 ? 2 : 3;
      const state = direct ? 'ASSIGNED' : recent ? 'ROUTING' : searcherOwns || rand() < 0.85 ? 'ASSIGNED' : 'UNASSIGNED';
      const owner = state !== 'ASSIGNED' ? null : searcherOwns ? searcherId : pick(others);
      const statusChanged = owner !== null && rand() < 0.5;
      const status = statusChanged ? pick(codes) : codes[0] ?? null;
      lead.run(id, src.id, direct ? 'DIRECT_TO_USER' : 'GENERAL', state, direct ? owner : null, owner, status, first, last,
        `${first}.${last}${id}@mail.example`.toLowerCase(), `+1512${String(id).padStart(7, '0')}`, pick(MESSAGES),
        owner !== null && !direct ? 10 : null, rounds, at, owner === null ? null : at);
      counts.leads += 1;
      emit('CREATED', at, null, null);
      if (direct && owner !== null) {
        const o = makeOffer(owner, 0, true, 'ACCEPTED', at);
        emit('ACCEPTED', at, owner, o);
        emit('ASSIGNED', at, owner, null);
      }
      let offered = 0;
      for (let r = 1; r <= rounds; r++) {
        const lastRound = r === rounds;
        const decisions: Decisions = [];
        const racers: number[] = [];
        for (let k = 0; k < src.race; k++) racers.push(pick(others));
        if (lastRound && owner !== null) racers[0] = owner;
        for (const agent of racers) {
          offered += 1;
          const isWinner = lastRound && agent === owner && decisions.every(([a]) => a !== agent);
          decisions.push([agent, 'OFFERED']);
          const offerState = recent ? 'PENDING' : isWinner ? 'ACCEPTED' : lastRound && owner !== null ? 'TAKEN'
            : rand() < 0.5 ? 'DECLINED' : 'EXPIRED';
          const responded = at + 60_000 * offered;
          const o = makeOffer(agent, r, false, offerState, offerState === 'PENDING' || offerState === 'TAKEN' ? null : responded);
          emit('OFFERED', at, agent, o);
          if (offerState === 'DECLINED' || offerState === 'EXPIRED' || offerState === 'ACCEPTED') emit(offerState, responded, agent, o);
          if (offerState === 'ACCEPTED') emit('ASSIGNED', responded, agent, null);
        }
        round.run(id, r, at + window * (r - 1), encodeDecisions(decisions));
        counts.rounds += 1;
      }
      if (state === 'UNASSIGNED') emit('UNASSIGNED', at + window * rounds, null, null);
      if (statusChanged) emit('STATUS_CHANGED', at + DAY, null, null, status);
      // The searcher works about five leads besides their own.
      const searcherWorks = owner !== null && owner !== searcherId && rand() < 5 / shape.leads;
      if (searcherWorks || (owner !== null && rand() < 0.05)) {
        const user = searcherWorks ? searcherId : pick(others);
        if (user !== owner) {
          leadUser.run(id, user);
          counts.leadUsers += 1;
          emit('USER_ADDED', at + DAY, user, null);
        }
      }
    }
  })();
  for (const d of derived) if (d.type === 'index') sqlite.exec(d.sql);
  sqlite.transaction(() => { for (const statement of migrationBackfills()) sqlite.exec(statement); })();
  for (const d of derived) if (d.type === 'trigger') sqlite.exec(d.sql);
  sqlite.pragma('synchronous = FULL');
  sqlite.exec('ANALYZE');
  handle.close();
  return { searcherId, agentIds, counts, seconds: (performance.now() - t0) / 1000 };
}
