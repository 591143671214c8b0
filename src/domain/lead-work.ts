// Who may change what on a lead once it is won: pure rules over plain data, decided here only.
// A refusal is NOT_FOUND for someone who cannot see the lead at all (we do not confirm it exists)
// and FORBIDDEN for someone who can see it but may not make this change.

/** How the viewer stands to the lead. OFFERED: was offered it, sees it LIMITED. */
export type LeadRole = 'ADMIN' | 'OWNER' | 'USER' | 'OFFERED' | 'NONE';

export type LeadChange = 'SET_STATUS' | 'LOG_CONTACT' | 'CHANGE_OWNER' | 'CHANGE_USERS' | 'RETURN_TO_BROKER';

export interface LeadRules {
  agentsCanChangeOwner: boolean;
  agentsCanChangeUsers: boolean;
}

export type Verdict = 'ALLOWED' | 'FORBIDDEN' | 'NOT_FOUND';

export function leadRole(
  viewer: { id: number; role: 'ADMIN' | 'AGENT' },
  lead: { ownerId: number | null },
  relation: { isUser: boolean; wasOffered: boolean },
): LeadRole {
  if (viewer.role === 'ADMIN') return 'ADMIN';
  if (lead.ownerId === viewer.id) return 'OWNER';
  if (relation.isUser) return 'USER';
  return relation.wasOffered ? 'OFFERED' : 'NONE';
}

/**
 * Admins make every change. The owner and users set the status and log contacts with the client. The owner hands the lead on or
 * changes its users only where the company settings allow; only an admin returns it to the pool.
 */
export function mayChange(role: LeadRole, change: LeadChange, rules: LeadRules): Verdict {
  if (role === 'NONE') return 'NOT_FOUND';
  if (role === 'ADMIN') return 'ALLOWED';
  switch (change) {
    case 'SET_STATUS':
    case 'LOG_CONTACT':
      return role === 'OWNER' || role === 'USER' ? 'ALLOWED' : 'FORBIDDEN';
    case 'CHANGE_OWNER':
      return role === 'OWNER' && rules.agentsCanChangeOwner ? 'ALLOWED' : 'FORBIDDEN';
    case 'CHANGE_USERS':
      return role === 'OWNER' && rules.agentsCanChangeUsers ? 'ALLOWED' : 'FORBIDDEN';
    case 'RETURN_TO_BROKER':
      return 'FORBIDDEN';
  }
}
