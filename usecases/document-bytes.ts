/**
 * Where an uploaded document's bytes live (decision 0013). The document use case (usecases/customers.ts) and the
 * reviewer's download (app/review-routes.ts) go through this port; app/server.ts picks the adapter
 * (store/document-bytes.ts):
 *  - in the row (`documents.content`): PostgreSQL, whose instances share the database but not a disk, and the
 *    in-memory embedded database (`memory://`, tests);
 *  - in a file under DATA_DIR named by the sha256 (the row's `content` NULL): the embedded database on disk, so
 *    20 MB do not go through PGlite's one session while callback acks wait behind it.
 */
import { createHash } from 'node:crypto';

export interface DocumentBytes {
  /**
   * Makes `content` durable where this mode keeps it. Called before the transaction that inserts the row, so a
   * committed row never names bytes that are not there. Returns what the row's `content` holds: the bytes, or
   * null when they are kept elsewhere (found again by the row's sha256).
   */
  keep(content: Buffer, sha256: string): Promise<Buffer | null>;
  /** A stored document's bytes: its row's `content`, else what its sha256 names; null when they are missing. */
  read(row: { sha256: string; content: Buffer | null }): Promise<Buffer | null>;
}

/** Bytes hashed per turn of the event loop: ~1–3 ms of work, so a 20 MB upload never holds the loop for long. */
const HASH_SLICE = 1024 * 1024;

/** The sha256 (hex) of `content`, hashed a slice per turn of the event loop (acks and /healthz run in between). */
export async function sha256Hex(content: Buffer): Promise<string> {
  const hash = createHash('sha256');
  for (let at = 0; at < content.length; at += HASH_SLICE) {
    if (at > 0) await new Promise<void>((resolve) => setImmediate(resolve));
    hash.update(content.subarray(at, at + HASH_SLICE));
  }
  return hash.digest('hex');
}
