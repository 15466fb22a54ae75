/** The secret scanner itself: it must find what it claims to, or a clean scan proves nothing. */
import { describe, expect, it } from '@jest/globals';
import { findJwts, scanForSecrets, secretForms, type TextSource } from '../helpers/secret-scan.js';

describe('secret scanner', () => {
  it('the scanner finds planted secrets in every form it claims to', () => {
    const secret = 'planted-Secret~value.0123456789';
    const token = 'eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiJodHRwczovL2xvZ2luIiwic3ViIjoieCJ9.c2ln';
    const sources: TextSource[] = secretForms(secret).map((f, i) => ({
      where: f.form,
      text: `{"line":${i},"v":"prefix${f.text}suffix"}`,
    }));
    sources.push({
      where: 'embedded base64',
      text: Buffer.from(`{"x":"${secret}","y":1}`).toString('base64'),
    });
    sources.push({ where: 'jwt', text: `authorization: Bearer ${token}` });
    const found = scanForSecrets({ secret }, sources);
    expect(new Set(found.map((f) => f.where))).toEqual(
      new Set([...secretForms(secret).map((f) => f.form), 'embedded base64']),
    );
    expect(found.every((f) => !f.excerpt.includes(secret))).toBe(true);
    const jwts = findJwts(sources);
    expect(jwts.map((j) => j.where)).toEqual(['jwt']);
    expect(JSON.parse(jwts[0]!.claims)).toMatchObject({ sub: 'x' });
  });

  it('finds nothing where there is nothing', () => {
    const secret = 'planted-Secret~value.0123456789';
    const sources = [{ where: 'log', text: '{"msg":"client secret rejected","hint":"****6789"}' }];
    expect(scanForSecrets({ secret }, sources)).toEqual([]);
    expect(findJwts(sources)).toEqual([]);
  });
});
