// Every GraphQL operation the web app sends: the public API, nothing private. `npm run codegen` reads
// the /* GraphQL */ documents below and writes their result and variable types to generated.ts, so a
// change of the schema that breaks one of them fails `npm run generate` or `npm run typecheck`.
import type * as G from './generated.js';
import { operation } from './operation.js';

// ---------------------------------------------------------------- session

export const SignIn = operation<G.SignInMutation, G.SignInMutationVariables>(/* GraphQL */ `
  mutation SignIn($email: String!, $password: String!) {
    login(email: $email, password: $password) { token user { id role } }
  }
`);

export const Viewer = operation<G.ViewerQuery, G.ViewerQueryVariables>(/* GraphQL */ `
  query Viewer {
    me { id name email role inOffice leadEmail halt { until reason } }
  }
`);

// ---------------------------------------------------------------- agent

const AGENT_OFFER = /* GraphQL */ `
  fragment AgentOffer on Offer {
    id state round offeredAt expiresAt
    lead { id firstName message source { id name } }
  }
`;

const AGENT_LEAD = /* GraphQL */ `
  fragment AgentLead on Lead {
    id firstName lastName email phone message state createdAt
    source { id name }
    status { id name }
  }
`;

/** The pending list: read on every (re)connection, since the subscription only tells what changes. */
export const AgentOffers = operation<G.AgentOffersQuery, G.AgentOffersQueryVariables>(/* GraphQL */ `
  query AgentOffers {
    myOffers { ...AgentOffer }
  }
  ${AGENT_OFFER}
`);

export const AgentOfferEvents = operation<G.AgentOfferEventsSubscription, G.AgentOfferEventsSubscriptionVariables>(/* GraphQL */ `
  subscription AgentOfferEvents {
    offers { type offer { ...AgentOffer } }
  }
  ${AGENT_OFFER}
`);

export const AcceptOffer = operation<G.AcceptOfferMutation, G.AcceptOfferMutationVariables>(/* GraphQL */ `
  mutation AcceptOffer($offerId: ID!) {
    acceptOffer(offerId: $offerId) { id state lead { ...AgentLead } }
  }
  ${AGENT_LEAD}
`);

export const DeclineOffer = operation<G.DeclineOfferMutation, G.DeclineOfferMutationVariables>(/* GraphQL */ `
  mutation DeclineOffer($offerId: ID!) {
    declineOffer(offerId: $offerId) { id state }
  }
`);

/** An agent's leads: those they own or work (the server decides). */
export const AgentLeads = operation<G.AgentLeadsQuery, G.AgentLeadsQueryVariables>(/* GraphQL */ `
  query AgentLeads {
    leads(first: 100) { totalCount edges { node { ...AgentLead } } }
  }
  ${AGENT_LEAD}
`);

/** Anything that happens to the agent's leads (a new one, one taken away): the list is read again. */
export const AgentLeadEvents = operation<G.AgentLeadEventsSubscription, G.AgentLeadEventsSubscriptionVariables>(/* GraphQL */ `
  subscription AgentLeadEvents {
    leadEvents { id type lead { id } }
  }
`);

export const StatusCodes = operation<G.StatusCodesQuery, G.StatusCodesQueryVariables>(/* GraphQL */ `
  query StatusCodes {
    statusCodes(includeArchived: false) { id name }
  }
`);

export const SetLeadStatus = operation<G.SetLeadStatusMutation, G.SetLeadStatusMutationVariables>(/* GraphQL */ `
  mutation SetLeadStatus($leadId: ID!, $statusCodeId: ID!) {
    setLeadStatus(leadId: $leadId, statusCodeId: $statusCodeId) { id status { id name } }
  }
`);

export const SetAvailability = operation<G.SetAvailabilityMutation, G.SetAvailabilityMutationVariables>(/* GraphQL */ `
  mutation SetAvailability($inOffice: Boolean!) {
    setMyAvailability(inOffice: $inOffice) { id inOffice }
  }
`);

// ---------------------------------------------------------------- admin

const BOARD_LEAD = /* GraphQL */ `
  fragment BoardLead on Lead {
    id firstName lastName kind state createdAt
    source { id name }
    owner { id name }
    status { id name }
  }
`;

/** The lead board and the unassigned pool (filter state: UNASSIGNED), newest first. */
export const LeadBoard = operation<G.LeadBoardQuery, G.LeadBoardQueryVariables>(/* GraphQL */ `
  query LeadBoard($filter: LeadFilter, $first: Int) {
    leads(filter: $filter, first: $first) { totalCount edges { node { ...BoardLead } } }
  }
  ${BOARD_LEAD}
`);

export const LeadBoardEvents = operation<G.LeadBoardEventsSubscription, G.LeadBoardEventsSubscriptionVariables>(/* GraphQL */ `
  subscription LeadBoardEvents {
    leadEvents { id type at note agent { id name } lead { ...BoardLead } }
  }
  ${BOARD_LEAD}
`);

/** One lead in full, with its routing trace: every agent considered in each round, and why. */
export const LeadDetail = operation<G.LeadDetailQuery, G.LeadDetailQueryVariables>(/* GraphQL */ `
  query LeadDetail($id: ID!) {
    lead(id: $id) {
      ...BoardLead
      email phone message referralFeePercent
      users { id name }
      offers { id state round offeredAt expiresAt respondedAt agent { id name } }
      events { id type at note agent { id name } actor { id name } }
      routing { round at reason agent { id name } }
    }
  }
  ${BOARD_LEAD}
`);

export const AssignLead = operation<G.AssignLeadMutation, G.AssignLeadMutationVariables>(/* GraphQL */ `
  mutation AssignLead($leadId: ID!, $userId: ID!, $note: String) {
    setLeadOwner(leadId: $leadId, userId: $userId, note: $note) { ...BoardLead }
  }
  ${BOARD_LEAD}
`);

export const Agents = operation<G.AgentsQuery, G.AgentsQueryVariables>(/* GraphQL */ `
  query Agents {
    users { id name email phone role active inOffice offices { id name } halt { since until reason } }
  }
`);

export const HaltAgent = operation<G.HaltAgentMutation, G.HaltAgentMutationVariables>(/* GraphQL */ `
  mutation HaltAgent($userId: ID!, $until: DateTimeISO, $reason: String) {
    haltUser(input: { userId: $userId, until: $until, reason: $reason }) { id halt { since until reason } }
  }
`);

export const ResumeAgent = operation<G.ResumeAgentMutation, G.ResumeAgentMutationVariables>(/* GraphQL */ `
  mutation ResumeAgent($userId: ID!) {
    resumeUser(userId: $userId) { id halt { since until reason } }
  }
`);

export const Sources = operation<G.SourcesQuery, G.SourcesQueryVariables>(/* GraphQL */ `
  query Sources {
    leadSources { id name acceptanceWindowSeconds raceAgentCount nextUp { id name } }
  }
`);

export const Dashboard = operation<G.DashboardQuery, G.DashboardQueryVariables>(/* GraphQL */ `
  query Dashboard($from: DateTimeISO, $to: DateTimeISO) {
    leadStats(from: $from, to: $to) {
      total
      byState { state count }
      bySource { source { id name } count }
      offers { made accepted declined expired taken pending }
      medianSecondsToAccept
      p90SecondsToAccept
      perAgent { agent { id name } received accepted declined expired taken pending medianResponseSeconds }
    }
  }
`);
