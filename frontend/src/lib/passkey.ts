// The browser's side of passkeys (WebAuthn), through @simplewebauthn/browser. The server sends
// the options as JSON (`public_key`, base64url binary fields) and takes the browser's answer as
// JSON (`credential`); the generated schema knows both only as objects.
// The library is a chunk of its own, fetched when a passkey is first used: the login page's
// start-up budget (issue 7) stays for the password form.
import type {
  PublicKeyCredentialCreationOptionsJSON,
  PublicKeyCredentialRequestOptionsJSON,
} from '@simplewebauthn/browser';
import type { PasskeyCeremony, PasskeyCredential } from '../api/types';

let library: Promise<typeof import('@simplewebauthn/browser')> | null = null;

/** Fetches @simplewebauthn/browser (once); call it early to overlap with the API's start request. */
export function loadPasskeyLibrary(): Promise<typeof import('@simplewebauthn/browser')> {
  library ??= import('@simplewebauthn/browser').catch((e: unknown) => {
    library = null;
    throw e;
  });
  return library;
}

/** An IPv4 or IPv6 literal (`127.0.0.1`, `[::1]`): no relying-party id, so no passkeys there. */
export function isIpAddress(hostname: string): boolean {
  return /^\d{1,3}(\.\d{1,3}){3}$/.test(hostname) || hostname.includes(':') || hostname.startsWith('[');
}

/**
 * This browser can make and use passkeys (WebAuthn) on this site: a passkey belongs to a host
 * name, never to an IP address. (Signed in, GET /me's `security.passkeys_available` also says
 * whether the server offers them.)
 */
export function passkeysSupported(): boolean {
  if (typeof window === 'undefined' || typeof window.PublicKeyCredential !== 'function') return false;
  return !isIpAddress(window.location.hostname);
}

/** Asks the browser to make a passkey for the options of `POST /me/passkeys/register/start`. */
export async function createPasskey(ceremony: PasskeyCeremony): Promise<PasskeyCredential> {
  const optionsJSON = ceremony.public_key as unknown as PublicKeyCredentialCreationOptionsJSON;
  const { startRegistration } = await loadPasskeyLibrary();
  const answer = await startRegistration({ optionsJSON });
  return answer as unknown as PasskeyCredential;
}

/** Asks the browser to sign the options of a login or step-up ceremony with one of the person's passkeys. */
export async function getPasskey(ceremony: PasskeyCeremony): Promise<PasskeyCredential> {
  const optionsJSON = ceremony.public_key as unknown as PublicKeyCredentialRequestOptionsJSON;
  const { startAuthentication } = await loadPasskeyLibrary();
  const answer = await startAuthentication({ optionsJSON });
  return answer as unknown as PasskeyCredential;
}

/**
 * Why the browser's part of a passkey ceremony failed, for the message:
 * - `cancelled`: the person closed the dialog, it timed out, or no passkey was chosen (the
 *   browser tells these apart only as NotAllowedError, on purpose);
 * - `exists`: this device already holds a passkey for this login (registration);
 * - `unsupported`: the browser or device cannot make one;
 * - `null`: not a browser error (an API error, say).
 */
export type PasskeyProblem = 'cancelled' | 'exists' | 'unsupported';

export function passkeyProblem(e: unknown): PasskeyProblem | null {
  if (!(e instanceof Error)) return null;
  // @simplewebauthn/browser's WebAuthnError keeps the DOMException's name.
  switch (e.name) {
    case 'NotAllowedError':
    case 'AbortError':
      return 'cancelled';
    case 'InvalidStateError':
      return 'exists';
    case 'NotSupportedError':
    case 'SecurityError':
    case 'ConstraintError':
      return 'unsupported';
    default:
      return null;
  }
}

/** The translation key of a passkey ceremony's browser problem. */
export function passkeyProblemKey(problem: PasskeyProblem, purpose: 'create' | 'use'): string {
  if (problem === 'exists') return 'passkey.errors.exists';
  if (problem === 'unsupported') return 'passkey.errors.unsupported';
  return purpose === 'create' ? 'passkey.errors.createCancelled' : 'passkey.errors.useCancelled';
}
