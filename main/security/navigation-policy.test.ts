import { describe, expect, it } from 'vitest';
import { isAllowedNavigation, isTrustedIpcSender, RENDERER_CSP } from './navigation-policy';

const APP = 'app://fleetdesk';

describe('window navigation policy', () => {
  it.each([
    ['app://fleetdesk/index.html', true],
    ['app://fleetdesk/#/customers/c-1', true],
    ['https://evil.example/', false],
    ['app://other/index.html', false],
    ['file:///etc/passwd', false],
    ['app://user:pw@fleetdesk/', false],
    ['javascript:alert(1)', false],
    ['not a url', false],
  ])('%s → %s', (url, allowed) => {
    expect(isAllowedNavigation(url, APP)).toBe(allowed);
  });

  it('trusts IPC only from the main frame of the app origin', () => {
    expect(isTrustedIpcSender('app://fleetdesk/index.html', true, APP)).toBe(true);
    expect(isTrustedIpcSender('app://fleetdesk/index.html', false, APP)).toBe(false);
    expect(isTrustedIpcSender('https://evil.example/', true, APP)).toBe(false);
  });

  it('forbids inline and remote script in the CSP', () => {
    expect(RENDERER_CSP).toContain("script-src 'self'");
    expect(RENDERER_CSP).not.toMatch(/script-src[^;]*unsafe-inline/);
    expect(RENDERER_CSP).toContain("object-src 'none'");
  });
});
