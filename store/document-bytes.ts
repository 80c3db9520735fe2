/**
 * The two places an uploaded document's bytes can live (decision 0013; the port is usecases/document-bytes.ts,
 * the choice is made in app/server.ts):
 *
 * - `bytesInRow()`: in `documents.content` (PostgreSQL: instances share the database, not a disk).
 * - `bytesInFiles(dir)`: a file `<dir>/<sha256[0..2]>/<sha256>` (embedded mode, `DATA_DIR/documents`), the row's
 *   `content` NULL. Written to a temporary file beside it, fsynced, renamed into place and the folder fsynced —
 *   before the row's transaction begins, so a committed row never points to a missing file. Content-addressed:
 *   the same bytes uploaded twice are one file, and a file left by an upload whose transaction rolled back is
 *   harmless (it is only ever read through a row naming its sha256). Rows written before this (bytes in
 *   `content`) are read from the row.
 *
 * All file work goes through libuv's thread pool (fs.promises): the event loop does not wait for the disk.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';

const SHA256 = /^[0-9a-f]{64}$/;

interface StoredBytes {
  keep(content: Buffer, sha256: string): Promise<Buffer | null>;
  read(row: { sha256: string; content: Buffer | null }): Promise<Buffer | null>;
}

/** The bytes go in the row's `content`. */
export function bytesInRow(): StoredBytes {
  return {
    keep: async (content) => content,
    read: async (row) => row.content ?? null,
  };
}

/** The folder of the embedded mode's document files under a data directory (DATA_DIR/documents). */
export function documentsDir(dataDir: string): string {
  return path.join(dataDir, 'documents');
}

/** Where `bytesInFiles(dir)` keeps the file of a sha256. */
export function documentFilePath(dir: string, sha256: string): string {
  if (!SHA256.test(sha256)) throw new Error(`not a sha256: ${JSON.stringify(sha256)}`);
  return path.join(dir, sha256.slice(0, 2), sha256);
}

/** The bytes go in a file under `dir` named by their sha256; the row's `content` stays NULL. */
export function bytesInFiles(dir: string): StoredBytes {
  return {
    async keep(content, sha256) {
      const target = documentFilePath(dir, sha256);
      // Already there (the same bytes uploaded before, or an earlier attempt): a complete file, since files only
      // arrive by rename. A size that differs means damage: write it again.
      const existing = await fs.stat(target).catch(() => null);
      if (existing?.isFile() && existing.size === content.length) return null;
      const folder = path.dirname(target);
      const created = await fs.mkdir(folder, { recursive: true });
      const tmp = `${target}.${process.pid}-${randomBytes(6).toString('hex')}.tmp`;
      try {
        const fh = await fs.open(tmp, 'wx');
        try {
          await fh.writeFile(content);
          await fh.sync();
        } finally {
          await fh.close();
        }
        await fs.rename(tmp, target);
      } catch (err) {
        await fs.rm(tmp, { force: true }).catch(() => undefined);
        throw err;
      }
      // The rename is durable once its folder is, and folders made just now once their parents are.
      await syncFolder(folder);
      if (created) {
        for (let f = folder; f !== path.dirname(created) && f !== path.dirname(f); f = path.dirname(f)) await syncFolder(path.dirname(f));
      }
      return null;
    },
    async read(row) {
      if (row.content) return row.content;
      if (!SHA256.test(row.sha256)) return null;
      try {
        return await fs.readFile(documentFilePath(dir, row.sha256));
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
        throw err;
      }
    },
  };
}

/** fsync of a folder (its entries); platforms that cannot open a folder for it (Windows) skip it. */
async function syncFolder(folder: string): Promise<void> {
  let fh: fs.FileHandle | null = null;
  try {
    fh = await fs.open(folder, 'r');
    await fh.sync();
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'EISDIR' && code !== 'EPERM' && code !== 'EINVAL') throw err;
  } finally {
    await fh?.close();
  }
}
