/**
 * local/multipart.ts: the S3 front door reads a POST form once and strictly, and writes the form the engine gets.
 * What it writes it reads back exactly; whatever two parsers could read two ways is refused.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseMultipart, writeForm } from '../../local/multipart.js';
import { S3Refusal } from '../../local/s3-refusal.js';

const token = fc.stringMatching(/^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,20}$/);

describe('writeForm, then parseMultipart', () => {
  it('gives back every field and the file, whatever their contents', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ name: token, value: fc.string({ unit: 'grapheme', maxLength: 40 }) }), {
          maxLength: 6,
        }),
        fc.uint8Array({ maxLength: 200 }),
        fc.string({ maxLength: 20 }),
        (fields, bytes, filename) => {
          const content = Buffer.from(bytes);
          const form = writeForm(fields, { filename, contentType: 'text/plain', content });
          const parts = parseMultipart(form.contentType, form.body);
          expect(
            parts.slice(0, -1).map((p) => ({ name: p.name, value: p.content.toString('utf8') })),
          ).toEqual(fields);
          const file = parts.at(-1);
          expect(file?.name).toBe('file');
          expect(file?.contentType).toBe('text/plain');
          expect(file?.content.equals(content)).toBe(true);
        },
      ),
    );
  });
});

describe('parseMultipart refuses what another parser could read another way', () => {
  const body = (...headerLines: string[]) =>
    Buffer.from(`--b\r\n${headerLines.join('\r\n')}\r\n\r\nvalue\r\n--b--\r\n`);
  const refused = (contentType: string, raw: Buffer) => {
    try {
      parseMultipart(contentType, raw);
    } catch (error) {
      return error instanceof S3Refusal ? `${error.status} ${error.code}` : 'other';
    }
    return 'accepted';
  };
  const CT = 'multipart/form-data; boundary=b';

  it('accepts a plain part, quoted or not, with a preamble or without', () => {
    expect(parseMultipart(CT, body('Content-Disposition: form-data; name="key"'))).toMatchObject([
      { name: 'key', filename: undefined },
    ]);
    expect(
      parseMultipart(CT, body('content-disposition: FORM-DATA; name=key; filename="a b.txt"')),
    ).toMatchObject([{ name: 'key', filename: 'a b.txt' }]);
    expect(
      parseMultipart(
        CT,
        Buffer.concat([Buffer.from('preamble\r\n'), body('Content-Disposition: form-data; name="k"')]),
      ),
    ).toHaveLength(1);
    expect(
      parseMultipart('multipart/form-data; boundary="b"', body('Content-Disposition: form-data; name="k"')),
    ).toHaveLength(1);
  });

  it.each([
    ['a repeated name', 'Content-Disposition: form-data; name="x-ignore-a"; name="key"'],
    ['a repeated name in another case', 'Content-Disposition: form-data; name="x-ignore-a"; Name="key"'],
    ['a repeated filename', 'Content-Disposition: form-data; name="file"; filename="a"; filename="b"'],
    ['an extended name', "Content-Disposition: form-data; name*=UTF-8''key"],
    ['an extended filename', 'Content-Disposition: form-data; name="file"; filename*=UTF-8\'\'a.txt'],
    ['a backslash in a quoted name', 'Content-Disposition: form-data; name="ke\\"y"'],
    ['a name that is no token', 'Content-Disposition: form-data; name="ke y"'],
    ['no name', 'Content-Disposition: form-data; filename="a"'],
    ['another disposition', 'Content-Disposition: attachment; name="key"'],
    ['a parameter without a value', 'Content-Disposition: form-data; name'],
    ['trailing junk', 'Content-Disposition: form-data; name="key" junk'],
  ])('%s', (_, header) => {
    expect(refused(CT, body(header))).toBe('400 MalformedPOSTRequest');
  });

  it('refuses repeated or folded headers, a missing end, and a Content-Type without one boundary', () => {
    const twice = body(
      'Content-Disposition: form-data; name="x-ignore-a"',
      'Content-Disposition: form-data; name="key"',
    );
    expect(refused(CT, twice)).toBe('400 MalformedPOSTRequest');
    const folded = body('Content-Disposition: form-data;', ' name="key"');
    expect(refused(CT, folded)).toBe('400 MalformedPOSTRequest');
    const unended = Buffer.from('--b\r\nContent-Disposition: form-data; name="key"\r\n\r\nvalue');
    expect(refused(CT, unended)).toBe('400 MalformedPOSTRequest');
    const ok = body('Content-Disposition: form-data; name="key"');
    expect(refused('multipart/form-data', ok)).toBe('400 MalformedPOSTRequest');
    expect(refused('multipart/form-data; boundary=b; boundary=c', ok)).toBe('400 MalformedPOSTRequest');
    expect(refused('text/plain; boundary=b', ok)).toBe('400 MalformedPOSTRequest');
    expect(refused(CT, ok)).toBe('accepted');
  });
});
