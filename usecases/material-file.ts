/**
 * The material behind a link, for the page (preview and download), and new versions uploaded by an admin. A link
 * shows the version it was sent with; a version uploaded later does not change what a customer already received.
 */
import { createHash } from 'node:crypto';
import { materialTexts as T } from '../cards/material-texts';
import { materialOf } from '../domain/materials';
import type { Tx } from '../store/db';
import { addMaterialVersion, getPackLink, linksOfSend, materialVersionContent, type MaterialVersionInfo, type PackLinkRow, type PackSendRow } from '../store/materials';
import { findPerson } from '../store/people';
import type { MaterialDeps } from './material-deps';
import { currentVersion } from './send-pack';

export interface LinkClaimsLike { linkId: number; customerId: number; repId: string; itemNo: number }

export interface MaterialView {
  link: PackLinkRow;
  send: PackSendRow;
  total: number;
  repName: string;
  file: { content: Buffer; fileName: string; mimeType: string } | null;
}

export const MAX_MATERIAL_BYTES = 20 * 1024 * 1024;

/** The link's row and file, or null when the claims do not name an existing link (foreign or stale). */
export async function viewMaterial(tx: Tx, deps: Pick<MaterialDeps, 'materials' | 'readShipped'>, claims: LinkClaimsLike): Promise<MaterialView | null> {
  const found = await getPackLink(tx, claims.linkId);
  if (!found || found.link.itemNo !== claims.itemNo || found.link.repId !== claims.repId) return null;
  const { link, send } = found;
  const total = (await linksOfSend(tx, send.id)).length;
  const rep = await findPerson(tx, link.repId);
  return { link, send, total, repName: rep?.name ?? link.repId, file: await materialBytes(tx, deps, link.materialKey, link.version) };
}

/** An uploaded version from the database, else the shipped file (the version in config/materials.yaml). */
export async function materialBytes(tx: Tx, deps: Pick<MaterialDeps, 'materials' | 'readShipped'>, key: string, version: number) {
  const stored = await materialVersionContent(tx, key, version);
  if (stored) return stored;
  const def = materialOf(deps.materials, key);
  const content = def ? deps.readShipped(def.file) : null;
  return def && content ? { content, fileName: def.file, mimeType: 'application/pdf' } : null;
}

export type UploadVersionResult =
  | { ok: true; version: MaterialVersionInfo }
  | { ok: false; status: 400 | 403 | 404 | 409 | 413 | 415; error: string; message: string };

/**
 * What is wrong with a new version's file, by the checks that need no database: the material exists, the file is not
 * empty nor too large, and is named .pdf and starts as one. (Whether it opens is the caller's to check, outside the
 * transaction: app/pdf-check.ts.)
 */
export function materialFileProblem(deps: Pick<MaterialDeps, 'materials'>, input: { materialKey: string; fileName: string; content: Buffer }): Extract<UploadVersionResult, { ok: false }> | null {
  if (!materialOf(deps.materials, input.materialKey)) {
    return { ok: false, status: 404, error: 'unknown_material', message: T.versions.unknownMaterial(input.materialKey, deps.materials.materials.map((m) => m.key).join('、')) };
  }
  if (!input.content.length) return { ok: false, status: 400, error: 'empty', message: T.versions.empty };
  if (input.content.length > MAX_MATERIAL_BYTES) return { ok: false, status: 413, error: 'too_large', message: T.versions.tooLarge(MAX_MATERIAL_BYTES / 1024 / 1024) };
  if (!/\.pdf$/i.test(input.fileName) || !input.content.subarray(0, 5).equals(Buffer.from('%PDF-'))) {
    return { ok: false, status: 415, error: 'not_pdf', message: T.versions.notPdf };
  }
  return null;
}

/** An admin uploads a new version of a material: a PDF, stored with its sha256; the next number after the current one. */
export async function uploadMaterialVersion(tx: Tx, deps: Pick<MaterialDeps, 'materials'>, input: {
  materialKey: string; fileName: string; content: Buffer; actorId: string; now: Date; adminChecked: boolean;
}): Promise<UploadVersionResult> {
  if (!input.adminChecked) {
    const actor = await findPerson(tx, input.actorId);
    if (!actor?.roles.includes('admin')) return { ok: false, status: 403, error: 'not_allowed', message: '只有管理员可以上传资料新版本。' };
  }
  const problem = materialFileProblem(deps, input);
  if (problem) return problem;
  const def = materialOf(deps.materials, input.materialKey)!;
  const version = (await currentVersion(tx, deps, def.key)) + 1;
  const row = await addMaterialVersion(tx, {
    materialKey: def.key, version, fileName: input.fileName.split(/[\\/]/).pop()!.slice(0, 200), mimeType: 'application/pdf',
    size: input.content.length, sha256: createHash('sha256').update(input.content).digest('hex'), content: input.content,
    uploadedBy: input.actorId, uploadedAt: input.now,
  });
  return { ok: true, version: row };
}
