// The webhook URL guard and signature, without a server: what is refused and why, every resolved
// address checked (one private address among public ones is enough), and the signature a receiver checks.
import { describe, expect, it } from 'vitest';
import { signatureMatches, signatureOf } from '../../src/webhooks/signature.js';
import { checkTarget, parseWebhookUrl, UrlRefused, type Resolver } from '../../src/webhooks/url-guard.js';

const resolvesTo = (...addresses: string[]): Resolver => async () => addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));

describe('the URL guard', () => {
  it('takes only http and https without credentials', () => {
    expect(parseWebhookUrl('https://crm.example.com/hooks/leadrace').href).toBe('https://crm.example.com/hooks/leadrace');
    for (const url of ['ftp://example.com', 'javascript:alert(1)', 'https://a:b@example.com', 'https://user@example.com', 'example.com', `https://e.com/${'x'.repeat(2000)}`]) {
      expect(() => parseWebhookUrl(url), url).toThrow(UrlRefused);
    }
  });

  it('refuses a host if any address it resolves to is not public, and connects to the address it checked', async () => {
    const url = parseWebhookUrl('https://crm.example.com/hook');
    await expect(checkTarget(url, false, resolvesTo('93.184.215.14', '10.0.0.7'))).rejects.toThrow('resolves to 10.0.0.7, a private address');
    await expect(checkTarget(url, false, resolvesTo('::ffff:169.254.169.254'))).rejects.toThrow('a link-local address');
    expect(await checkTarget(url, false, resolvesTo('93.184.215.14', '2606:2800:21f:cb07:6820:80da:af6b:8b2c')))
      .toMatchObject({ address: '93.184.215.14', family: 4 });
    expect(await checkTarget(url, true, resolvesTo('10.0.0.7'))).toMatchObject({ address: '10.0.0.7' });
    await expect(checkTarget(url, false, async () => { throw new Error('ENOTFOUND'); })).rejects.toThrow('does not resolve');
  });

  it('checks IP literals without asking DNS', async () => {
    const never: Resolver = async () => { throw new Error('asked DNS'); };
    await expect(checkTarget(parseWebhookUrl('http://[::1]:8080/'), false, never)).rejects.toThrow('a loopback address');
    expect(await checkTarget(parseWebhookUrl('http://[2606:4700::1111]/'), false, never)).toMatchObject({ address: '2606:4700::1111', family: 6 });
  });
});

describe('the signature', () => {
  it('is sha256=<hex HMAC-SHA256 of "<timestamp>.<body>">, and checks only with the same secret, time and body', () => {
    const sig = signatureOf('secret', 1700000000, '{"id":"1"}');
    // Computed independently: node -e "crypto.createHmac('sha256','secret').update('1700000000.{\"id\":\"1\"}').digest('hex')"
    expect(sig).toBe('sha256=086f6aff7bd084c98679825129c5a64dbad88c760016d6d2c0fb123f27951d54');
    expect(signatureMatches('secret', 1700000000, '{"id":"1"}', sig)).toBe(true);
    expect(signatureMatches('other', 1700000000, '{"id":"1"}', sig)).toBe(false);
    expect(signatureMatches('secret', 1700000001, '{"id":"1"}', sig)).toBe(false);
    expect(signatureMatches('secret', 1700000000, '{"id":"2"}', sig)).toBe(false);
  });
});
