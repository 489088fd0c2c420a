import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import nl from './locales/nl.json';
import en from './locales/en.json';
import { detectBrowserLanguage } from './index';

type Tree = { [k: string]: string | Tree };

function flatten(tree: Tree, prefix = ''): Map<string, string> {
  const out = new Map<string, string>();
  for (const [k, v] of Object.entries(tree)) {
    const key = prefix ? `${prefix}.${k}` : k;
    if (typeof v === 'string') out.set(key, v);
    else for (const [kk, vv] of flatten(v, key)) out.set(kk, vv);
  }
  return out;
}

const nlKeys = flatten(nl as Tree);
const enKeys = flatten(en as Tree);

function placeholders(s: string): string[] {
  return [...s.matchAll(/\{\{\s*(\w+)\s*\}\}/g)].map((m) => m[1]).sort();
}

describe('translations', () => {
  it('every nl key exists in en', () => {
    expect([...nlKeys.keys()].filter((k) => !enKeys.has(k))).toEqual([]);
  });

  it('every en key exists in nl', () => {
    expect([...enKeys.keys()].filter((k) => !nlKeys.has(k))).toEqual([]);
  });

  it('no translation is empty', () => {
    expect([...nlKeys].filter(([, v]) => !v.trim()).map(([k]) => k)).toEqual([]);
    expect([...enKeys].filter(([, v]) => !v.trim()).map(([k]) => k)).toEqual([]);
  });

  it('both languages use the same placeholders', () => {
    const diff = [...nlKeys.keys()].filter(
      (k) => placeholders(nlKeys.get(k) ?? '').join() !== placeholders(enKeys.get(k) ?? '').join(),
    );
    expect(diff).toEqual([]);
  });

  it('every literal key used in the source exists', () => {
    const root = join(process.cwd(), 'src'); // vitest runs from frontend/
    const files: string[] = [];
    const walk = (dir: string) => {
      for (const name of readdirSync(dir)) {
        const p = join(dir, name);
        if (statSync(p).isDirectory()) walk(p);
        else if (/\.tsx?$/.test(name) && !/\.test\.tsx?$/.test(name)) files.push(p);
      }
    };
    walk(root);
    const missing: string[] = [];
    for (const f of files) {
      const src = readFileSync(f, 'utf8');
      for (const m of src.matchAll(/\bt\(\s*'([a-zA-Z0-9_.]+)'/g)) {
        if (!nlKeys.has(m[1])) missing.push(`${f.slice(root.length)}: ${m[1]}`);
      }
    }
    expect(missing).toEqual([]);
  });
});

describe('language detection', () => {
  it('follows the browser language', () => {
    expect(detectBrowserLanguage(['en-US', 'nl'])).toBe('en');
    expect(detectBrowserLanguage(['nl-BE'])).toBe('nl');
    expect(detectBrowserLanguage(['de-DE', 'en-GB'])).toBe('en');
  });
  it('defaults to Dutch', () => {
    expect(detectBrowserLanguage(['de-DE', 'fr'])).toBe('nl');
    expect(detectBrowserLanguage([])).toBe('nl');
  });
});
