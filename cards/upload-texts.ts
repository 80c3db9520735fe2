/** zh-CN answers to an upload (usecases/document-uploaded.ts): whether the file satisfies the stage rule, and why not. */
export const uploadTexts = {
  received: (customer: string, file: string) => `已收到“${customer}”的文件《${file}》，已存档。`,
  ready: (customer: string, file: string, label: string, stage: string) =>
    `已收到“${customer}”的《${file}》✅ 符合「${label}」的要求。现在可以推进：${customer} 推进 ${stage}`,
  fileOkMoreNeeded: (customer: string, file: string, label: string, stage: string, reasons: string) =>
    `已收到“${customer}”的《${file}》，符合「${label}」的要求。推进到「${stage}」还需要：\n${reasons}`,
  fileFails: (customer: string, file: string, label: string, stage: string, reason: string) =>
    `已收到“${customer}”的《${file}》，但它不符合推进到「${stage}」所需「${label}」的要求，暂时还不能推进：\n${reason}`,
  fileFailsEarlierOk: (customer: string, file: string, label: string, stage: string, reason: string) =>
    `已收到“${customer}”的《${file}》，它不符合「${label}」的要求：${reason}\n之前上传的${label}仍然有效，可以推进：${customer} 推进 ${stage}`,
};
