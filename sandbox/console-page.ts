/**
 * The sandbox chat console (/sandbox): one self-contained HTML page (inline CSS and JS, no CDN, no build step) that
 * looks and behaves like the bot's chat in the WeCom app. Pick who you are, read the bot's messages and cards on a
 * phone-sized screen, type, press card buttons, move time. Everything goes through the console API (console-api.ts):
 * typing and clicks become real encrypted callbacks to /wecom/callback.
 */
import { DEMO_COMPANY_NAME } from './demo-company';

export interface ConsolePageOptions {
  nonce: string;
  tz: string;
  corpId: string;
}

const CSS = `
*{box-sizing:border-box}
html,body{margin:0;height:100%}
body{background:#e9ebef;color:#1f2329;font:14px/1.5 -apple-system,BlinkMacSystemFont,"PingFang SC","Hiragino Sans GB","Microsoft YaHei","Noto Sans CJK SC","WenQuanYi Micro Hei",sans-serif;display:flex;flex-direction:column}
a{color:#2a6ad8}
button{font:inherit;cursor:pointer}
.banner{background:#fff4d6;border-bottom:1px solid #f0d58a;color:#7a5200;padding:8px 16px;display:flex;gap:12px;align-items:center;flex-wrap:wrap}
.banner b{background:#f5a623;color:#fff;border-radius:4px;padding:1px 8px;font-size:13px}
.banner span{font-size:13px}
.layout{flex:1;display:flex;gap:20px;padding:16px;min-height:0;justify-content:center}
.side{width:300px;display:flex;flex-direction:column;gap:12px;overflow:auto}
.panel{background:#fff;border-radius:10px;padding:12px;box-shadow:0 1px 2px rgba(0,0,0,.06)}
.panel h2{font-size:13px;color:#646a73;margin:0 0 8px;font-weight:600}
#people{list-style:none;margin:0;padding:0;display:flex;flex-direction:column;gap:2px}
#people button{width:100%;display:grid;grid-template-columns:32px 1fr auto;grid-template-rows:auto auto;column-gap:8px;align-items:center;text-align:left;border:0;background:none;border-radius:8px;padding:4px 6px;line-height:1.35}
#people button:hover{background:#f2f3f5}
#people button.on{background:#e1eaff}
#people .av{grid-row:1/3;width:32px;height:32px;border-radius:6px;background:#3370ff;color:#fff;display:flex;align-items:center;justify-content:center;font-size:14px}
#people .nm{font-weight:600;display:flex;gap:6px;align-items:center}
#people .of{font-size:12px;color:#8f959e;grid-column:2}
#people .un{grid-row:1/3;grid-column:3;min-width:18px;height:18px;border-radius:9px;background:#f54a45;color:#fff;font-size:11px;display:flex;align-items:center;justify-content:center;padding:0 5px}
.role{font-size:11px;border-radius:3px;padding:0 4px;font-weight:500;line-height:16px}
.role-admin{background:#fde2e2;color:#c02a2a}.role-supervisor{background:#e1eaff;color:#245bdb}
.role-reviewer{background:#f2e6ff;color:#7a35d6}.role-rep{background:#e4f5e9;color:#137a3e}
.clock .now{font-size:18px;font-weight:600;margin-bottom:8px}
.clock .btns{display:flex;gap:6px;flex-wrap:wrap}
.clock button{border:1px solid #c9cdd4;background:#fff;border-radius:6px;padding:5px 10px}
.clock button:hover{border-color:#3370ff;color:#3370ff}
.clock button:disabled{opacity:.5}
.hint{font-size:12px;color:#8f959e;margin:8px 0 0}
.tries{display:flex;flex-wrap:wrap;gap:6px}
.tries button{border:1px solid #dee0e3;background:#f7f8fa;border-radius:12px;padding:2px 10px;font-size:12px}
.phone{width:390px;max-width:100%;display:flex;flex-direction:column;background:#f2f3f5;border-radius:28px;border:10px solid #1f2329;overflow:hidden;box-shadow:0 8px 30px rgba(0,0,0,.18);max-height:860px}
.ph-head{background:#f7f7f7;border-bottom:1px solid #e5e6eb;padding:10px 12px;display:flex;align-items:center;gap:10px}
.ph-head .back{font-size:24px;color:#1f2329;line-height:1}
.ph-head .t{font-weight:600;font-size:16px}
.ph-head .s{font-size:12px;color:#8f959e}
.log{flex:1;overflow-y:auto;padding:12px 10px 16px;display:flex;flex-direction:column;gap:12px}
.empty{color:#8f959e;text-align:center;margin-top:40%;font-size:13px}
.time{align-self:center;font-size:12px;color:#8f959e;background:rgba(0,0,0,.05);border-radius:4px;padding:0 6px}
.row{display:flex;gap:8px;align-items:flex-start}
.row.me{flex-direction:row-reverse}
.row .av{flex:none;width:36px;height:36px;border-radius:6px;background:#07c160;color:#fff;display:flex;align-items:center;justify-content:center;font-weight:600}
.row.me .av{background:#3370ff}
.body{max-width:78%;min-width:0}
.bubble{background:#fff;border-radius:8px;padding:9px 11px;word-break:break-word;white-space:normal}
.me .bubble{background:#cde3ff}
.note{font-size:11px;color:#8f959e;margin-top:3px}
.dropped .body>*:not(.note),.dropped .av{opacity:.45;filter:grayscale(1)}
.dropped .note{color:#646a73}
.rejected .bubble,.rejected .tc{border:1px dashed #f54a45}
.err{background:#fff0f0;border:1px solid #f5b5b3;color:#a1261f;border-radius:8px;padding:8px 10px;font-size:12px;word-break:break-all}
.err details{margin-top:4px}.err pre{white-space:pre-wrap;max-height:200px;overflow:auto;background:#fff;padding:6px;border-radius:4px;color:#1f2329}
.md h1,.md h2,.md h3,.md h4,.md h5,.md h6{margin:2px 0;font-size:16px}.md h1{font-size:18px}
.md blockquote{margin:4px 0;padding-left:8px;border-left:3px solid #dee0e3;color:#646a73}
.md code{background:#f2f3f5;border-radius:3px;padding:0 3px;font-family:Menlo,monospace;font-size:12px}
.fc-info{color:#07a152}.fc-comment{color:#8f959e}.fc-warning{color:#f5a623}
.tcard{background:#fff;border-radius:8px;overflow:hidden;width:280px}
.tcard .in{padding:12px}.tcard .tt{font-weight:600;font-size:15px}.tcard .dt{color:#8f959e;font-size:12px;margin:4px 0}
.tcard .ds{font-size:13px;color:#646a73}.tcard .gray{color:#8f959e}.tcard .highlight{color:#f5a623}.tcard .normal{color:#1f2329}
.foot{border-top:1px solid #eff0f1;padding:8px 12px;display:flex;justify-content:space-between;color:#1f2329;text-decoration:none;font-size:13px}
.foot:after{content:"›";color:#8f959e}
.file{background:#fff;border-radius:8px;padding:10px;display:flex;gap:10px;align-items:center;width:260px;text-decoration:none;color:inherit}
.file .ic{width:40px;height:48px;border-radius:4px;background:#f54a45;color:#fff;font-size:11px;font-weight:700;display:flex;align-items:center;justify-content:center;flex:none}
.file .fn{font-weight:600;word-break:break-all}.file .fs{font-size:12px;color:#8f959e}
.img{max-width:220px;min-width:80px;min-height:60px;border-radius:8px;display:block;background:#dee0e3;color:#8f959e;font-size:12px}
.news{background:#fff;border-radius:8px;overflow:hidden;width:280px}
.news a{display:block;color:inherit;text-decoration:none}
.news .first{position:relative;height:130px;background:#c9cdd4 center/cover}
.news .first span{position:absolute;left:0;right:0;bottom:0;color:#fff;background:linear-gradient(transparent,rgba(0,0,0,.6));padding:8px 10px;font-weight:600}
.news .item{display:flex;gap:8px;padding:8px 10px;border-top:1px solid #eff0f1;align-items:center}
.news .item b{flex:1;font-weight:500}.news .item i{width:40px;height:40px;background:#dee0e3 center/cover;border-radius:4px;flex:none}
.news .only{padding:10px}.news .only b{display:block}.news .only small{color:#8f959e}
.tc{background:#fff;border-radius:8px;width:290px;padding:12px;position:relative}
.tc .src{display:flex;align-items:center;gap:6px;font-size:12px;color:#8f959e;margin-bottom:8px}
.tc .src img{width:16px;height:16px;border-radius:3px}
.tc .src .c1{color:#1f2329}.tc .src .c2{color:#f54a45}.tc .src .c3{color:#07a152}
.tc .menu{position:absolute;right:8px;top:6px;border:0;background:none;font-size:18px;color:#8f959e;letter-spacing:1px}
.tc .menu-list{position:absolute;right:8px;top:30px;background:#fff;border-radius:6px;box-shadow:0 2px 10px rgba(0,0,0,.15);z-index:2;min-width:120px}
.tc .menu-list button{display:block;width:100%;border:0;background:none;padding:8px 12px;text-align:left}
.tc .mt{font-weight:600;font-size:16px;line-height:1.4}
.tc .md2{color:#8f959e;font-size:12px;margin-top:2px}
.tc .em{margin:10px 0 4px}.tc .em .big{font-size:30px;font-weight:600;color:#1f2329;line-height:1.2}.tc .em .small{color:#8f959e;font-size:12px}
.tc .quote{background:#f5f6f7;border-radius:4px;padding:8px;margin:8px 0;font-size:13px;color:#646a73}
.tc .quote b{display:block;color:#1f2329;font-weight:500}
.tc .sub{color:#646a73;font-size:13px;margin:8px 0;white-space:pre-wrap}
.tc .cimg{width:100%;border-radius:4px;margin:8px 0;background:#dee0e3;display:block}
.tc .ita{display:flex;gap:8px;background:#f5f6f7;border-radius:4px;padding:8px;margin:8px 0;align-items:center}
.tc .ita img{width:48px;height:48px;object-fit:cover;border-radius:4px}
.tc .vert{margin:8px 0}.tc .vert div{margin:4px 0}.tc .vert b{display:block;font-weight:500}.tc .vert span{color:#8f959e;font-size:12px}
.tc .kv{display:flex;gap:8px;font-size:13px;margin:5px 0}
.tc .kv .k{color:#8f959e;width:86px;flex:none;overflow:hidden;text-overflow:ellipsis;white-space:nowrap}
.tc .kv .v{color:#1f2329;word-break:break-all}
.tc .jumps{border-top:1px solid #eff0f1;margin-top:10px}
.tc .jumps a{display:flex;justify-content:space-between;padding:8px 0 0;text-decoration:none;color:#2a6ad8;font-size:13px}
.tc .sel{margin:8px 0}.tc .sel label{display:block;font-size:12px;color:#8f959e;margin-bottom:2px}
.tc select{width:100%;padding:6px;border:1px solid #dee0e3;border-radius:4px;background:#fff;font:inherit}
.tc .opts label{display:flex;gap:8px;align-items:center;padding:6px 0;border-bottom:1px solid #f2f3f5}
.tc .btns{display:flex;flex-wrap:wrap;gap:8px;margin-top:12px}
.tc .btns button{flex:1 1 40%;min-width:0;border-radius:4px;padding:7px 4px;font-size:14px;border:1px solid transparent;white-space:nowrap;overflow:hidden;text-overflow:ellipsis}
.tc .btns .b1{background:#3370ff;color:#fff}.tc .btns .b2{background:#fff;color:#f54a45;border-color:#f54a45}
.tc .btns .b3{background:#fff;color:#3370ff;border-color:#3370ff}.tc .btns .b4{background:#fff;color:#1f2329;border-color:#c9cdd4}
.tc .btns button:disabled{background:#f2f3f5;color:#8f959e;border-color:#f2f3f5;cursor:default}
.tc .done{margin-top:12px;background:#f2f3f5;color:#8f959e;text-align:center;border-radius:4px;padding:7px}
.tc .foot{margin:10px -12px -12px}
.upload{margin-top:6px;display:inline-block;background:#3370ff;color:#fff;border-radius:4px;padding:4px 10px;text-decoration:none;font-size:13px}
.composer{display:flex;gap:8px;padding:8px;background:#f7f7f7;border-top:1px solid #e5e6eb}
.composer input{flex:1;border:0;border-radius:6px;padding:9px 10px;font:inherit;background:#fff}
.composer button{border:0;border-radius:6px;background:#07c160;color:#fff;padding:0 14px;font-weight:600}
.composer button:disabled{background:#9fdcb9}
#toast{position:fixed;left:50%;top:60px;transform:translateX(-50%);background:rgba(31,35,41,.9);color:#fff;padding:8px 14px;border-radius:6px;font-size:13px;display:none;z-index:9;max-width:80vw}
@media (max-width:760px){.layout{flex-direction:column;padding:8px}.side{width:auto}.phone{width:100%;border-width:0;border-radius:0;min-height:600px}}
`;

/** The page's script: plain modern JS, everything rendered from JSON with escaping (no innerHTML of raw input). */
const SCRIPT = String.raw`
(function(){
var CFG = JSON.parse(document.getElementById('cfg').textContent);
var ROLE = {admin:'管理员', supervisor:'主管', reviewer:'质检员', rep:'销售代表'};
var people = [], byId = {}, me = null, version = -1, seen = {}, busy = false, lastTime = null;
var $ = function(id){ return document.getElementById(id); };
function esc(s){ return String(s == null ? '' : s).replace(/[&<>"']/g, function(c){ return {'&':'&amp;','<':'&lt;','>':'&gt;','"':'&quot;',"'":'&#39;'}[c]; }); }
function safeUrl(u){ u = String(u || ''); return /^(https?:\/\/|\/)/i.test(u) ? u : ''; }
function link(u, text, cls){ var s = safeUrl(u); return s ? '<a href="' + esc(s) + '" target="_blank" rel="noopener"' + (cls ? ' class="' + cls + '"' : '') + '>' + text + '</a>' : text; }
function toast(t){ var el = $('toast'); el.textContent = t; el.style.display = 'block'; clearTimeout(toast.t); toast.t = setTimeout(function(){ el.style.display = 'none'; }, 4000); }
var fmt = new Intl.DateTimeFormat('zh-CN', {timeZone: CFG.tz, month:'numeric', day:'numeric', weekday:'short', hour:'2-digit', minute:'2-digit', hour12:false});
var fmtParts = new Intl.DateTimeFormat('zh-CN', {timeZone: CFG.tz, year:'numeric', month:'numeric', day:'numeric', weekday:'short', hour:'2-digit', minute:'2-digit', hour12:false});
var fmtYear = {format: function(d){ var p = {}; fmtParts.formatToParts(d).forEach(function(x){ p[x.type] = x.value; }); return p.year + '年' + p.month + '月' + p.day + '日 ' + p.weekday + ' ' + p.hour + ':' + p.minute; }};
function api(method, path, body){
  return fetch('/sandbox/api/' + path, {method: method, headers: body ? {'content-type':'application/json'} : {}, body: body ? JSON.stringify(body) : undefined})
    .then(function(r){ return r.json().catch(function(){ return {}; }).then(function(j){ if (!r.ok) throw new Error(j.message || ('HTTP ' + r.status)); return j; }); });
}

/* ---- text, markdown ---- */
function linkify(h){ return h.replace(/https?:\/\/[^\s<"'）)，。、\u0000]+/g, function(u){ return link(u.replace(/&amp;/g, '&'), u); }); }
function renderText(s){
  var h = esc(s);
  var anchors = [];
  h = h.replace(/&lt;a href=(?:&quot;|&#39;)(.*?)(?:&quot;|&#39;)&gt;([\s\S]*?)&lt;\/a&gt;/g, function(_, u, t){ anchors.push(link(u.replace(/&amp;/g, '&'), t)); return '\u0000' + (anchors.length - 1) + '\u0000'; });
  h = linkify(h).replace(/\u0000(\d+)\u0000/g, function(_, i){ return anchors[+i]; });
  return h.replace(/\n/g, '<br>');
}
function inlineMd(h){
  return h
    .replace(/&lt;font color=(?:&quot;|&#39;)?(info|comment|warning)(?:&quot;|&#39;)?&gt;([\s\S]*?)&lt;\/font&gt;/g, '<span class="fc-$1">$2</span>')
    .replace(/\*\*([^*]+)\*\*/g, '<b>$1</b>')
    .replace(/\x60([^\x60]+)\x60/g, '<code>$1</code>')
    .replace(/\[([^\]]+)\]\(([^)\s]+)\)/g, function(_, t, u){ return link(u.replace(/&amp;/g, '&'), t); });
}
function renderMarkdown(s){
  var out = [], quote = [];
  function flush(){ if (quote.length) { out.push('<blockquote>' + quote.join('<br>') + '</blockquote>'); quote = []; } }
  String(s).split('\n').forEach(function(line){
    var h = esc(line), m;
    if ((m = /^&gt;\s?(.*)$/.exec(h))) { quote.push(inlineMd(m[1])); return; }
    flush();
    if ((m = /^(#{1,6})\s+(.*)$/.exec(h))) out.push('<h' + m[1].length + '>' + inlineMd(m[2]) + '</h' + m[1].length + '>');
    else out.push(inlineMd(h) + '<br>');
  });
  flush();
  return '<div class="md">' + out.join('').replace(/(<br>)+$/, '') + '</div>';
}
/** Material links (资料包): one button each, to open the page as the customer would (the page's beacon counts the open). */
function materialButtons(s){
  var re = /(https?:\/\/\S+\/m\/[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+)/g, m, out = [], i = 0;
  while ((m = re.exec(s || '')) && i < 9) { i++; out.push(link(m[1], '以客户身份打开 ' + String.fromCharCode(0x245f + i), 'upload')); }
  return out.length ? '<div>' + out.join(' ') + '</div>' : '';
}
function uploadButton(s){
  var m = /(https?:\/\/\S+\/upload\/[A-Za-z0-9._~%-]+)/.exec(s || '');
  return m ? '<div>' + link(m[1], '上传文件 ↑', 'upload') + '</div>' : '';
}

/* ---- textcard, file, image, news ---- */
function renderTextCard(c){
  var d = esc(c.description).replace(/&lt;div class=(?:&quot;|&#39;)(gray|highlight|normal)(?:&quot;|&#39;)&gt;([\s\S]*?)&lt;\/div&gt;/g, '<div class="$1">$2</div>').replace(/\n/g, '<br>');
  return '<div class="tcard"><div class="in"><div class="tt">' + esc(c.title) + '</div><div class="ds">' + d + '</div></div>' +
    link(c.url, '<span>' + esc(c.btntxt || '详情') + '</span>', 'foot') + '</div>';
}
function size(n){ return n >= 1048576 ? (n / 1048576).toFixed(1) + ' MB' : n >= 1024 ? Math.round(n / 1024) + ' KB' : n + ' B'; }
function renderFile(m){
  var f = m.media;
  if (!f) return '<div class="bubble">[文件已过期或不存在]</div>';
  var ext = (/\.([A-Za-z0-9]{1,5})$/.exec(f.filename) || [, 'FILE'])[1].toUpperCase();
  return '<a class="file" href="/sandbox/api/media/' + encodeURIComponent(f.id) + '" download><span class="ic">' + esc(ext) + '</span><span><div class="fn">' + esc(f.filename) + '</div><div class="fs">' + size(f.size) + ' · 点击下载</div></span></a>';
}
function renderImage(m){ return m.media ? '<img class="img" alt="[图片 ' + esc(m.media.filename) + ']" src="/sandbox/api/media/' + encodeURIComponent(m.media.id) + '">' : '<div class="bubble">[图片已过期]</div>'; }
function bg(u){ var s = safeUrl(u); return s ? ' style="background-image:url(&quot;' + esc(s) + '&quot;)"' : ''; }
function renderNews(n){
  var a = n.articles || [];
  if (a.length === 1 && !a[0].picurl) return '<div class="news">' + link(a[0].url, '<div class="only"><b>' + esc(a[0].title) + '</b><small>' + esc(a[0].description) + '</small></div>') + '</div>';
  return '<div class="news">' + a.map(function(x, i){
    return i === 0 ? link(x.url, '<div class="first"' + bg(x.picurl) + '><span>' + esc(x.title) + '</span></div>') : link(x.url, '<div class="item"><b>' + esc(x.title) + '</b><i' + bg(x.picurl) + '></i></div>');
  }).join('') + '</div>';
}

/* ---- template cards (the five types) ---- */
function nameOf(uid){ return byId[uid] ? byId[uid].name : uid; }
function renderCard(m){
  var c = m.content || {}, h = [], live = m.status === 'delivered' && !m.replaceName && me === m.userId, seq = m.seq;
  var dis = live ? '' : ' disabled';
  if (c.action_menu && c.action_menu.action_list) {
    h.push('<button class="menu" data-menu="' + seq + '" title="' + esc(c.action_menu.desc || '更多') + '"' + dis + '>···</button>');
    h.push('<div class="menu-list" id="menu-' + seq + '" hidden>' + c.action_menu.action_list.map(function(a){ return '<button data-seq="' + seq + '" data-key="' + esc(a.key) + '">' + esc(a.text) + '</button>'; }).join('') + '</div>');
  }
  if (c.source) h.push('<div class="src">' + (safeUrl(c.source.icon_url) ? '<img alt="" src="' + esc(c.source.icon_url) + '">' : '') + '<span class="c' + (c.source.desc_color || 0) + '">' + esc(c.source.desc) + '</span></div>');
  if (c.main_title) h.push('<div class="mt">' + esc(c.main_title.title) + '</div>' + (c.main_title.desc ? '<div class="md2">' + esc(c.main_title.desc) + '</div>' : ''));
  if (c.emphasis_content) h.push('<div class="em"><div class="big">' + esc(c.emphasis_content.title) + '</div><div class="small">' + esc(c.emphasis_content.desc) + '</div></div>');
  if (c.quote_area && (c.quote_area.title || c.quote_area.quote_text)) h.push('<div class="quote">' + (c.quote_area.title ? '<b>' + esc(c.quote_area.title) + '</b>' : '') + esc(c.quote_area.quote_text) + '</div>');
  if (c.card_image) h.push('<img class="cimg" alt="" src="' + esc(safeUrl(c.card_image.url)) + '" style="aspect-ratio:' + (Number(c.card_image.aspect_ratio) || 1.3) + '">');
  if (c.image_text_area) h.push('<div class="ita">' + (safeUrl(c.image_text_area.image_url) ? '<img alt="" src="' + esc(c.image_text_area.image_url) + '">' : '') + '<div><b>' + esc(c.image_text_area.title) + '</b><div class="md2">' + esc(c.image_text_area.desc) + '</div></div></div>');
  if (c.sub_title_text) h.push('<div class="sub">' + esc(c.sub_title_text) + '</div>');
  if (c.vertical_content_list) h.push('<div class="vert">' + c.vertical_content_list.map(function(v){ return '<div><b>' + esc(v.title) + '</b><span>' + esc(v.desc) + '</span></div>'; }).join('') + '</div>');
  (c.horizontal_content_list || []).forEach(function(kv){
    var t = Number(kv.type || 0), v = esc(kv.value);
    if (t === 1) v = link(kv.url, v || esc(kv.url));
    if (t === 2) v = '附件：' + '<a href="/sandbox/api/media/' + encodeURIComponent(kv.media_id || '') + '" download>' + (v || '附件') + '</a>';
    if (t === 3) v = '@' + esc(nameOf(kv.userid)) + (kv.value ? '（' + v + '）' : '');
    h.push('<div class="kv"><span class="k">' + esc(kv.keyname) + '</span><span class="v">' + v + '</span></div>');
  });
  if (c.jump_list && c.jump_list.length) h.push('<div class="jumps">' + c.jump_list.map(function(j){ return link(j.url, '<span>' + esc(j.title) + '</span><span>›</span>'); }).join('') + '</div>');
  if (c.button_selection) h.push(selectHtml(c.button_selection, seq, dis));
  if (c.checkbox) {
    var multi = Number(c.checkbox.mode) === 1;
    h.push('<div class="opts" data-q="' + esc(c.checkbox.question_key) + '">' + (c.checkbox.option_list || []).map(function(o){
      return '<label><input type="' + (multi ? 'checkbox' : 'radio') + '" name="cb-' + seq + '" value="' + esc(o.id) + '"' + (o.is_checked ? ' checked' : '') + dis + '>' + esc(o.text) + '</label>';
    }).join('') + '</div>');
  }
  (c.select_list || []).forEach(function(s){ h.push(selectHtml(s, seq, dis)); });
  if (m.replaceName) h.push('<div class="done">' + esc(m.replaceName) + '</div>');
  else {
    var btns = (c.button_list || []).map(function(b){
      if (Number(b.type || 0) === 1) return '<button class="b' + (b.style || 1) + '" data-url="' + esc(safeUrl(b.url)) + '">' + esc(b.text) + '</button>';
      return '<button class="b' + (b.style || 1) + '" data-seq="' + seq + '" data-key="' + esc(b.key) + '"' + dis + '>' + esc(b.text) + '</button>';
    });
    if (c.submit_button) btns.push('<button class="b1" data-seq="' + seq + '" data-key="' + esc(c.submit_button.key) + '" data-submit="1"' + dis + '>' + esc(c.submit_button.text) + '</button>');
    if (btns.length) h.push('<div class="btns">' + btns.join('') + '</div>');
  }
  if (c.card_action && Number(c.card_action.type) === 1) h.push(link(c.card_action.url, '<span>查看详情</span>', 'foot'));
  return '<div class="tc tc-' + esc(c.card_type) + '" data-card="' + seq + '">' + h.join('') + '</div>';
}
function selectHtml(s, seq, dis){
  return '<div class="sel"><label>' + esc(s.title || '') + '</label><select data-q="' + esc(s.question_key) + '"' + dis + '>' + (s.option_list || []).map(function(o){
    return '<option value="' + esc(o.id) + '"' + (o.id === s.selected_id ? ' selected' : '') + '>' + esc(o.text) + '</option>';
  }).join('') + '</select></div>';
}
function selections(card){
  var out = [];
  card.querySelectorAll('select[data-q]').forEach(function(s){ out.push({questionKey: s.getAttribute('data-q'), optionIds: [s.value]}); });
  card.querySelectorAll('.opts[data-q]').forEach(function(d){
    var ids = []; d.querySelectorAll('input:checked').forEach(function(i){ ids.push(i.value); });
    out.push({questionKey: d.getAttribute('data-q'), optionIds: ids});
  });
  return out;
}

/* ---- the conversation ---- */
function renderMessage(m){
  var body;
  switch (m.msgtype) {
    case 'text': body = '<div class="bubble">' + renderText(m.content.content) + uploadButton(m.content.content) + materialButtons(m.content.content) + '</div>'; break;
    case 'markdown': body = '<div class="bubble">' + renderMarkdown(m.content.content) + uploadButton(m.content.content) + '</div>'; break;
    case 'textcard': body = renderTextCard(m.content); break;
    case 'file': body = renderFile(m); break;
    case 'image': body = renderImage(m); break;
    case 'news': body = renderNews(m.content); break;
    case 'template_card': body = renderCard(m); break;
    default: body = '<div class="bubble">[' + esc(m.msgtype) + ' 消息]</div>';
  }
  var note = '';
  if (m.status === 'dropped') note = '<div class="note">WeCom 已丢弃 · 超过每人每分钟30条/每小时1000条的限制，对方收不到这条消息</div>';
  if (m.status === 'rejected') {
    body = '<div class="err"><b>WeCom 拒绝发送（errcode ' + esc(m.errcode) + '）</b><br>' + esc(m.errmsg) + '<details><summary>请求内容</summary><pre>' + esc(JSON.stringify(m.content, null, 2)) + '</pre></details></div>';
    note = '<div class="note">成员看不到这条消息：机器人的请求不符合企业微信的规则</div>';
  }
  var mine = m.from === 'user';
  var av = mine ? esc((nameOf(m.userId) || '我').slice(-1)) : '助';
  return '<div class="row' + (mine ? ' me' : '') + ' ' + m.status + '" data-seq="' + m.seq + '" data-type="' + esc(m.msgtype) + '"><div class="av">' + av + '</div><div class="body">' + body + note + '</div></div>';
}
function renderLog(messages){
  var log = $('log');
  var atBottom = log.scrollHeight - log.scrollTop - log.clientHeight < 80;
  if (!messages.length) { log.innerHTML = '<div class="empty">还没有消息。试试在下面输入“帮助”。</div>'; return; }
  var html = [], prev = 0;
  messages.forEach(function(m){
    var t = Date.parse(m.at);
    if (t - prev > 5 * 60000) html.push('<div class="time">' + esc(fmt.format(new Date(t))) + '</div>');
    prev = t;
    html.push(renderMessage(m));
  });
  log.innerHTML = html.join('');
  if (atBottom || renderLog.force) log.scrollTop = log.scrollHeight;
  renderLog.force = false;
}

/* ---- people and unread badges ---- */
function renderPeople(counts){
  $('people').innerHTML = people.map(function(p){
    var role = (p.roles.indexOf('admin') >= 0 ? 'admin' : p.roles.indexOf('reviewer') >= 0 ? 'reviewer' : p.roles.indexOf('supervisor') >= 0 ? 'supervisor' : 'rep');
    var c = counts && counts[p.userId] ? counts[p.userId].count : 0;
    var unread = p.userId === me ? 0 : Math.max(0, c - (seen[p.userId] || 0));
    return '<li><button data-user="' + esc(p.userId) + '" class="' + (p.userId === me ? 'on' : '') + '"><span class="av">' + esc(p.name.slice(-2)) + '</span>' +
      '<span class="nm">' + esc(p.name) + '<span class="role role-' + role + '">' + ROLE[role] + '</span></span>' +
      (unread ? '<span class="un">' + unread + '</span>' : '<span></span>') +
      '<span class="of">' + esc([p.office, p.position].filter(Boolean).join(' · ')) + '</span></button></li>';
  }).join('');
}
var lastCounts = {};
function choose(userId){
  if (!byId[userId]) return;
  me = userId; version = -1; renderLog.force = true;
  location.hash = 'u=' + encodeURIComponent(userId);
  var p = byId[userId];
  $('me').textContent = p.name + (p.office ? ' · ' + p.office : '');
  $('text').disabled = false; $('send').disabled = false;
  renderPeople(lastCounts);
  poll();
}
function poll(){
  if (!me) return Promise.resolve();
  return api('GET', 'chat?userId=' + encodeURIComponent(me) + '&since=' + version).then(function(j){
    lastCounts = j.counts || {};
    if (j.counts && j.counts[me]) seen[me] = j.counts[me].count;
    $('now').textContent = fmtYear.format(new Date(j.now));
    if (!j.unchanged) { version = j.version; renderLog(j.messages); }
    renderPeople(lastCounts);
  }).catch(function(e){ toast('刷新失败：' + e.message); });
}

/* ---- actions ---- */
document.addEventListener('click', function(ev){
  var t = ev.target.closest('button');
  if (!t) return;
  if (t.hasAttribute('data-user')) return choose(t.getAttribute('data-user'));
  if (t.hasAttribute('data-advance')) {
    document.querySelectorAll('[data-advance]').forEach(function(b){ b.disabled = true; });
    api('POST', 'clock', {advance: t.getAttribute('data-advance')})
      .then(function(j){ toast('时间已到 ' + fmtYear.format(new Date(j.now))); version = -1; return poll(); })
      .catch(function(e){ toast('时光机失败：' + e.message); })
      .then(function(){ document.querySelectorAll('[data-advance]').forEach(function(b){ b.disabled = false; }); });
    return;
  }
  if (t.hasAttribute('data-try')) { $('text').value = t.getAttribute('data-try'); $('text').focus(); return; }
  if (t.hasAttribute('data-menu')) { var l = $('menu-' + t.getAttribute('data-menu')); if (l) l.hidden = !l.hidden; return; }
  if (t.hasAttribute('data-url')) { var u = t.getAttribute('data-url'); if (u) window.open(u, '_blank', 'noopener'); return; }
  if (t.hasAttribute('data-key') && t.hasAttribute('data-seq')) {
    var card = t.closest('.tc');
    var seq = Number(t.getAttribute('data-seq'));
    var payload = {userId: me, seq: seq, key: t.getAttribute('data-key'), selected: card ? selections(card) : []};
    card && card.querySelectorAll('button').forEach(function(b){ b.disabled = true; });
    api('POST', 'click', payload).then(function(){ setTimeout(poll, 300); }).catch(function(e){ toast('点击失败：' + e.message); poll(); });
  }
});
$('composer').addEventListener('submit', function(ev){
  ev.preventDefault();
  var text = $('text').value.trim();
  if (!text || !me || busy) return;
  busy = true; $('send').disabled = true;
  api('POST', 'say', {userId: me, text: text}).then(function(){ $('text').value = ''; renderLog.force = true; return poll(); })
    .catch(function(e){ toast('发送失败：' + e.message); })
    .then(function(){ busy = false; $('send').disabled = false; $('text').focus(); });
});

api('GET', 'people').then(function(j){
  var rank = function(p){ return p.roles.indexOf('admin') >= 0 ? 0 : p.roles.indexOf('reviewer') >= 0 ? 1 : p.roles.indexOf('supervisor') >= 0 ? 2 : 3; };
  people = j.people.slice().sort(function(a, b){
    var oa = rank(a) < 2 ? '' : (a.office || '~'), ob = rank(b) < 2 ? '' : (b.office || '~');
    return oa < ob ? -1 : oa > ob ? 1 : rank(a) - rank(b) || (a.name < b.name ? -1 : 1);
  });
  byId = {};
  people.forEach(function(p){ byId[p.userId] = p; });
  renderPeople({});
  var m = /u=([^&]+)/.exec(location.hash);
  var first = m && byId[decodeURIComponent(m[1])] ? decodeURIComponent(m[1]) : null;
  if (first) choose(first);
}).catch(function(e){ toast('加载人员失败：' + e.message); });
setInterval(poll, 1000);
})();
`;

const TRIES = ['帮助', '我的客户', '新客户 华夏医疗 医疗', '查看 南山中医院', '南山中医院 推进 价格谈判中', '南山中医院 上传', '明德口腔 留言 客户想看装机案例'];

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

export function consolePage(opts: ConsolePageOptions): string {
  const cfg = JSON.stringify({ tz: opts.tz, corpId: opts.corpId }).replace(/</g, '\\u003c');
  return `<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">` +
    `<meta name="viewport" content="width=device-width,initial-scale=1"><link rel="icon" href="data:,"><title>沙盒 · 销售流程助手（模拟企业微信）</title>` +
    `<style nonce="${opts.nonce}">${CSS}</style></head><body>` +
    `<div class="banner" role="note"><b>沙盒模式 SANDBOX</b><span>这是模拟的企业微信，不连接真实企业微信：` +
    `企业“${escapeHtml(DEMO_COMPANY_NAME)}”、人员和客户都是演示数据（企业ID ${escapeHtml(opts.corpId)}），消息只在本机模拟。</span></div>` +
    `<div class="layout"><aside class="side">` +
    `<section class="panel"><h2>你是谁（点击切换身份）</h2><ul id="people"></ul></section>` +
    `<section class="panel clock"><h2>时光机</h2><div class="now" id="now">—</div><div class="btns">` +
    `<button data-advance="2h">+2小时</button><button data-advance="1d">+1天</button><button data-advance="next monday">下周一 09:00</button></div>` +
    `<p class="hint">移动机器人唯一的时钟，并立即运行到期的提醒、预警和周报。</p></section>` +
    `<section class="panel"><h2>试试这些（点击填入输入框）</h2><div class="tries">` +
    TRIES.map((t) => `<button data-try="${escapeHtml(t)}">${escapeHtml(t)}</button>`).join('') +
    `</div><p class="hint">你输入的内容会像企业微信一样加密、签名后发到机器人的回调地址；卡片按钮会发送真实的 template_card_event。</p></section>` +
    `</aside><main class="phone" aria-label="企业微信聊天"><div class="ph-head"><span class="back">‹</span><div><div class="t">销售流程助手</div>` +
    `<div class="s" id="me">请先在左侧选择身份</div></div></div><div class="log" id="log"><div class="empty">请先在左侧选择你是谁。</div></div>` +
    `<form class="composer" id="composer"><input id="text" placeholder="发消息给销售流程助手…" autocomplete="off" maxlength="680" disabled>` +
    `<button id="send" disabled>发送</button></form></main></div><div id="toast" role="status"></div>` +
    `<script type="application/json" id="cfg">${cfg}</script><script nonce="${opts.nonce}">${SCRIPT}</script></body></html>`;
}
