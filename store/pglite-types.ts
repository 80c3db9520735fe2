/**
 * PGlite's own bytea conversion goes byte by byte in JavaScript (`Array.from(bytes).map(toString(16))` one way,
 * `parseInt` per byte the other): a 20 MB upload took ~6 s to insert and ~2.4 s to read, holding the database all
 * that time. Node's Buffer hex codec does the same in ~40 ms; PGlite then spends ~1 s on the insert itself
 * (decision 0012). Passed to every PGlite instance, on either thread.
 */
const BYTEA = 17;

export const pgliteTypeOptions = {
  serializers: {
    [BYTEA]: (x: unknown): string => {
      if (!(x instanceof Uint8Array)) throw new Error('Invalid input for bytea type');
      return '\\x' + Buffer.from(x.buffer, x.byteOffset, x.byteLength).toString('hex');
    },
  },
  parsers: {
    [BYTEA]: (v: string): Uint8Array => {
      const b = Buffer.from(v.slice(2), 'hex');
      return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
    },
  },
};
