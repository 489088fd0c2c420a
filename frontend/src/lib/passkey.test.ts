import { afterEach, describe, expect, it, vi } from 'vitest';
import nl from '../i18n/locales/nl.json';
import en from '../i18n/locales/en.json';
import { isIpAddress, passkeyProblem, passkeyProblemKey, passkeysSupported, type PasskeyProblem } from './passkey';

type Tree = { [k: string]: string | Tree };
const lookup = (tree: Tree, key: string) => key.split('.').reduce<string | Tree | undefined>((o, k) => (typeof o === 'object' ? o[k] : undefined), tree);

/** A DOMException-like error, as @simplewebauthn/browser passes it on (its WebAuthnError keeps the name). */
function browserError(name: string): Error {
  const e = new Error('from the browser');
  e.name = name;
  return e;
}

describe('passkeys in the browser', () => {
  afterEach(() => vi.unstubAllGlobals());

  it('tells IP addresses from host names (a passkey needs a host name)', () => {
    expect(isIpAddress('127.0.0.1')).toBe(true);
    expect(isIpAddress('10.1.2.3')).toBe(true);
    expect(isIpAddress('[::1]')).toBe(true);
    expect(isIpAddress('::1')).toBe(true);
    expect(isIpAddress('localhost')).toBe(false);
    expect(isIpAddress('verzuim.example.nl')).toBe(false);
    expect(isIpAddress('1password.example')).toBe(false);
  });

  it('offers passkeys only where the browser has WebAuthn', () => {
    // jsdom has no WebAuthn; the page runs on http://localhost.
    expect(passkeysSupported()).toBe(false);
    vi.stubGlobal('PublicKeyCredential', function PublicKeyCredential() {});
    expect(passkeysSupported()).toBe(true);
  });

  it('reads why the browser ceremony failed', () => {
    expect(passkeyProblem(browserError('NotAllowedError'))).toBe('cancelled');
    expect(passkeyProblem(browserError('AbortError'))).toBe('cancelled');
    expect(passkeyProblem(browserError('InvalidStateError'))).toBe('exists');
    expect(passkeyProblem(browserError('NotSupportedError'))).toBe('unsupported');
    expect(passkeyProblem(browserError('SecurityError'))).toBe('unsupported');
    expect(passkeyProblem(new TypeError('Failed to fetch'))).toBeNull();
    expect(passkeyProblem('NotAllowedError')).toBeNull();
  });

  it('has a message in both languages for every browser problem', () => {
    const problems: PasskeyProblem[] = ['cancelled', 'exists', 'unsupported'];
    for (const p of problems) {
      for (const purpose of ['create', 'use'] as const) {
        const key = passkeyProblemKey(p, purpose);
        expect(typeof lookup(nl as Tree, key), `nl ${key}`).toBe('string');
        expect(typeof lookup(en as Tree, key), `en ${key}`).toBe('string');
      }
    }
    expect(passkeyProblemKey('cancelled', 'create')).not.toBe(passkeyProblemKey('cancelled', 'use'));
  });
});
