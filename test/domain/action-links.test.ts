// Signed offer links: bound to one offer and one agent, unforgeable without the secret.
import { describe, expect, it } from 'vitest';
import { createActionLinks } from '../../src/services/action-links.js';

const SECRET = Buffer.from('a-configured-secret-of-32-characters!!', 'utf8');

describe('action links', () => {
  const links = createActionLinks(SECRET, 'https://leads.example.com');

  it('a link names its offer and agent and verifies', () => {
    const url = links.url(1234, 56);
    expect(url).toMatch(/^https:\/\/leads\.example\.com\/o\/[0-9a-z]+\.[0-9a-z]+\.[\w-]{22}$/);
    expect(links.verify(links.code(1234, 56))).toEqual({ offerId: 1234, agentId: 56 });
  });

  it('a link re-pointed to another offer or agent, or with a changed mac, does not verify', () => {
    const [, , mac] = links.code(1234, 56).split('.');
    expect(links.verify(`${(1235).toString(36)}.${(56).toString(36)}.${mac}`)).toBeNull();
    expect(links.verify(`${(1234).toString(36)}.${(57).toString(36)}.${mac}`)).toBeNull();
    const code = links.code(1234, 56);
    const flipped = code.slice(0, -1) + (code.endsWith('A') ? 'B' : 'A');
    expect(links.verify(flipped)).toBeNull();
    expect(links.verify('garbage')).toBeNull();
  });

  it('a server with another secret cannot verify the link; one with the same secret can', () => {
    const code = links.code(7, 8);
    expect(createActionLinks(Buffer.from('another-secret-of-at-least-32-chars!!', 'utf8'), 'http://x').verify(code)).toBeNull();
    expect(createActionLinks(Buffer.from(SECRET), 'http://x').verify(code)).toEqual({ offerId: 7, agentId: 8 });
  });
});
