import { describe, expect, it } from 'vitest';
import { characterCount, OWN_VIEW_MAX } from './text';

describe('characterCount', () => {
  it('counts characters, as the API does', () => {
    expect(characterCount('')).toBe(0);
    expect(characterCount('akkoord')).toBe(7);
    expect(characterCount('café')).toBe(4);
    // One character each, although two UTF-16 code units.
    expect('👍🏽'.length).toBe(4);
    expect(characterCount('👍🏽')).toBe(2);
    expect(characterCount('a\nb')).toBe(3);
  });

  it('knows the limit of an own view', () => {
    expect(OWN_VIEW_MAX).toBe(4000);
  });
});
