/**
 * Stand-in for `iconv-lite` in the Lambda bundles (esbuild alias, see infra-cdk/lib/bundling.ts).
 * mysql2 calls iconv-lite only for character sets Node's Buffer cannot decode itself; this app's
 * connections and client databases are utf8mb4, so the 480 KB of code-page tables would be dead
 * weight in every cold start. The one such set the server still uses is CESU-8 (mysql2's name for
 * MySQL's 3-byte `utf8mb3`, in which metadata such as column names arrives), implemented here.
 * Any other charset fails loudly instead of decoding wrongly.
 */
function unsupported(encoding: string): never {
  throw new Error(`character set ${JSON.stringify(encoding)} is not supported in this Lambda bundle (iconv-lite is left out; connections use utf8mb4)`);
}

interface Coder {
  write(input: Buffer | string): string | Buffer;
  end(): string | Buffer | undefined;
}

const isCesu8 = (encoding: string): boolean => encoding.toLowerCase().replace(/[^a-z0-9]/g, '') === 'cesu8';

/** CESU-8: UTF-8 in which each UTF-16 code unit (surrogates included) is encoded on its own. */
export function decodeCesu8(bytes: Uint8Array): string {
  let out = '';
  for (let i = 0; i < bytes.length; ) {
    const b = bytes[i] as number;
    let unit: number;
    if (b < 0x80) {
      unit = b;
      i += 1;
    } else if (b >= 0xc0 && b < 0xe0 && i + 1 < bytes.length) {
      unit = ((b & 0x1f) << 6) | ((bytes[i + 1] as number) & 0x3f);
      i += 2;
    } else if (b >= 0xe0 && b < 0xf0 && i + 2 < bytes.length) {
      unit = ((b & 0x0f) << 12) | (((bytes[i + 1] as number) & 0x3f) << 6) | ((bytes[i + 2] as number) & 0x3f);
      i += 3;
    } else {
      unit = 0xfffd;
      i += 1;
    }
    out += String.fromCharCode(unit);
  }
  return out;
}

export function encodeCesu8(text: string): Buffer {
  const out: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const u = text.charCodeAt(i);
    if (u < 0x80) out.push(u);
    else if (u < 0x800) out.push(0xc0 | (u >> 6), 0x80 | (u & 0x3f));
    else out.push(0xe0 | (u >> 12), 0x80 | ((u >> 6) & 0x3f), 0x80 | (u & 0x3f));
  }
  return Buffer.from(out);
}

export function getDecoder(encoding: string): Coder {
  if (!isCesu8(encoding)) return unsupported(encoding);
  // mysql2 hands each decoder whole values (write then end), so no state is carried between calls.
  return { write: (input) => (typeof input === 'string' ? input : decodeCesu8(input)), end: () => undefined };
}
export function getEncoder(encoding: string): Coder {
  if (!isCesu8(encoding)) return unsupported(encoding);
  return { write: (input) => (typeof input === 'string' ? encodeCesu8(input) : input), end: () => undefined };
}
export function encodingExists(encoding: string): boolean {
  return Buffer.isEncoding(encoding) || isCesu8(encoding);
}
export function decode(buffer: Buffer, encoding: string): string {
  if (Buffer.isEncoding(encoding)) return buffer.toString(encoding);
  return unsupported(encoding);
}
export function encode(text: string, encoding: string): Buffer {
  if (Buffer.isEncoding(encoding)) return Buffer.from(text, encoding);
  return unsupported(encoding);
}
