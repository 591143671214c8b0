// Who is calling: resolved from the bearer token once per request or socket.
export type Role = 'ADMIN' | 'AGENT';

export interface Viewer {
  id: number;
  role: Role;
}

export const isAdmin = (v: Viewer | null): v is Viewer => v?.role === 'ADMIN';
