/**
 * The length of `text` as the API counts it: characters (Unicode code points), not UTF-16 code
 * units — an emoji or a letter outside the basic plane is one character, not two.
 */
export function characterCount(text: string): number {
  return Array.from(text).length;
}

/** The most characters of an own view on a document (SPEC §9). */
export const OWN_VIEW_MAX = 4000;
