import { describe, expect, it } from 'vitest';
import { isFilename } from '../../shared/files/names.js';

/** Every code point of Unicode category Cf (format characters) this Node knows. */
function formatCharacters(): string[] {
  const found: string[] = [];
  for (let code = 0; code <= 0x10ffff; code++) {
    if (code >= 0xd800 && code <= 0xdfff) continue;
    const ch = String.fromCodePoint(code);
    if (/\p{Cf}/u.test(ch)) found.push(ch);
  }
  return found;
}

describe('isFilename', () => {
  it.each([
    ['U+202E right-to-left override', 'invoice\u202Efdp.exe'],
    ['U+202A left-to-right embedding', '\u202Aa.txt'],
    ['U+200E left-to-right mark', 'a\u200E.txt'],
    ['U+200F right-to-left mark', 'a.txt\u200F'],
    ['U+061C Arabic letter mark', 'a\u061C.txt'],
    ['U+2066 left-to-right isolate', 'a\u2066b\u2069.txt'],
    ['U+2069 pop directional isolate', 'a\u2069.txt'],
    ['U+FEFF byte order mark', '\uFEFFa.txt'],
    ['U+00AD soft hyphen', 'pass\u00ADport.pdf'],
    ['U+200B zero width space', 'a\u200B.txt'],
    ['U+200D zero width joiner', 'a\u200Db.txt'],
    ['U+2060 word joiner', 'a\u2060b.txt'],
    ['U+E0001 language tag', 'a\u{E0001}.txt'],
  ])('refuses a name with %s', (_label, name) => {
    expect(isFilename(name)).toBe(false);
  });

  it('refuses every format (Cf) character, wherever it stands', () => {
    const all = formatCharacters();
    expect(all.length).toBeGreaterThan(100);
    for (const ch of all) {
      expect(isFilename(`${ch}a.txt`), `U+${ch.codePointAt(0)?.toString(16)}`).toBe(false);
      expect(isFilename(`a${ch}.txt`)).toBe(false);
      expect(isFilename(`a.txt${ch}`)).toBe(false);
    }
  });

  it.each([
    'laporan.pdf',
    'spaß_ü.txt',
    '报告.docx',
    'تقرير.pdf',
    'שלום.txt',
    'foto_😀.png',
    'a'.repeat(255),
  ])('accepts the visible name %s', (name) => {
    expect(isFilename(name)).toBe(true);
  });

  it.each([
    ['empty', ''],
    ['too long', 'a'.repeat(256)],
    ['a dot', '.'],
    ['two dots', '..'],
    ['a slash', 'a/b'],
    ['a backslash', 'a\\b'],
    ['a control character', 'a\u0007b'],
    ['a C1 control', 'a\u0085b'],
    ['a line separator', 'a\u2028b'],
    ['a replacement character', 'a\uFFFDb'],
  ])('still refuses %s', (_label, name) => {
    expect(isFilename(name)).toBe(false);
  });
});
