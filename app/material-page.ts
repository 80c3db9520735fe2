/**
 * The phone-friendly page a customer opens from a material link (资料链接): the title, who sent it, an inline PDF
 * preview and a download button. The page counts the open itself: after it rendered, its script POSTs a beacon —
 * a link preview (WeChat's unfurl) or a scanner fetching the GET runs no script and records nothing.
 */
import { materialTexts } from '../cards/material-texts';
import { circled } from '../domain/materials';

const T = materialTexts.page;

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

const CSS = `
*{box-sizing:border-box}body{margin:0;font:16px/1.5 -apple-system,"PingFang SC","Microsoft YaHei",sans-serif;background:#f5f6f8;color:#1f2329}
main{max-width:720px;margin:0 auto;padding:16px}h1{font-size:20px;margin:8px 0 4px}.meta{color:#646a73;font-size:14px;margin:0 0 12px}
.preview{width:100%;height:70vh;border:1px solid #dee0e3;border-radius:8px;background:#fff}
.fallback{padding:24px;text-align:center;color:#646a73}.actions{display:flex;gap:12px;margin:16px 0}
.btn{flex:1;display:block;text-align:center;padding:14px;border-radius:8px;background:#3370ff;color:#fff;text-decoration:none;font-weight:600}
.btn.secondary{background:#fff;color:#3370ff;border:1px solid #3370ff}`;

/**
 * Headers for both pages besides the security headers (CSP with the nonce, no referrer: `securityHeaders('material')`
 * in app/security-headers.ts): never cached or indexed.
 */
export function pageHeaders(): Record<string, string> {
  return { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store', 'x-robots-tag': 'noindex, nofollow' };
}

function shell(nonce: string, title: string, body: string, script = ''): string {
  return '<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">' +
    '<meta name="viewport" content="width=device-width,initial-scale=1,viewport-fit=cover"><meta name="referrer" content="no-referrer">' +
    `<meta name="robots" content="noindex,nofollow"><title>${escapeHtml(title)}</title><style nonce="${nonce}">${CSS}</style></head>` +
    `<body><main>${body}</main>${script ? `<script nonce="${nonce}">${script}</script>` : ''}</body></html>`;
}

export function materialPage(input: {
  nonce: string; token: string; title: string; itemNo: number; total: number; version: number; repName: string;
}): string {
  const file = `/m/${input.token}/file`;
  const body = `<h1>${escapeHtml(input.title)}</h1>` +
    `<p class="meta">${escapeHtml(T.item(circled(input.itemNo), input.total, input.version))} · ${escapeHtml(T.from(input.repName))}</p>` +
    `<object class="preview" data="${file}" type="application/pdf"><div class="fallback">${escapeHtml(T.previewFallback)}</div></object>` +
    `<div class="actions"><a class="btn" href="${file}?download=1">${escapeHtml(T.download)}</a>` +
    `<a class="btn secondary" href="${file}" target="_blank" rel="noopener">${escapeHtml(T.open)}</a></div>`;
  // The beacon: sent once the page has rendered (two animation frames after load), never by the GET itself.
  const script = `(function(){var s=window.__material={ready:false,opened:false};function beacon(){` +
    `fetch(${JSON.stringify(`/m/${input.token}/open`)},{method:'POST',headers:{'x-material-beacon':'1'},keepalive:true,credentials:'omit'})` +
    `.then(function(r){return r.json()}).then(function(j){s.opened=!!j.ok;s.first=!!j.first;s.ready=true})` +
    `.catch(function(){s.ready=true})}function rendered(){requestAnimationFrame(function(){requestAnimationFrame(beacon)})}` +
    `if(document.readyState==='complete')rendered();else window.addEventListener('load',rendered)})();`;
  return shell(input.nonce, T.title(input.title), body, script);
}

export function invalidPage(nonce: string, message: string = T.invalidBody): string {
  return shell(nonce, T.invalid, `<h1>${escapeHtml(T.invalid)}</h1><p class="meta">${escapeHtml(message)}</p>`);
}
