/**
 * The dashboard page (`/dashboard`): one zh-CN HTML page for laptops and WeCom's in-app browser on a phone.
 * ECharts comes from our own server (/dashboard/assets/echarts.min.js, the file in node_modules: the machines
 * have no internet); the script fetches the /api/dashboard/* JSON with the session cookie and draws the heatmap
 * (red cells, click → the top 3 customers), the funnel, the stalled list and the objection words. Plain ES5 so
 * older in-app browsers run it; data enters the DOM through textContent only.
 */
import { dashboardTexts } from '../cards/dashboard-texts';
import { materialTexts } from '../cards/material-texts';

const T = dashboardTexts.page;

export const escapeHtml = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/** The colour of a red cell (also what the browser test looks for). */
export const RED = '#f54a45';

const CSS = `*{box-sizing:border-box}body{margin:0;background:#f2f3f5;color:#1f2329;font:15px/1.5 -apple-system,BlinkMacSystemFont,"PingFang SC","Microsoft YaHei","Noto Sans CJK SC",sans-serif;-webkit-text-size-adjust:100%}
header{background:#fff;padding:12px 16px;border-bottom:1px solid #e5e6eb;display:flex;justify-content:space-between;align-items:baseline;gap:8px;flex-wrap:wrap}
h1{font-size:18px;margin:0}#who{color:#646a73;font-size:13px}main{max-width:1100px;margin:0 auto;padding:12px}
form{display:flex;flex-wrap:wrap;gap:8px;align-items:center;background:#fff;border-radius:10px;padding:10px 12px;margin-bottom:12px}
label{font-size:13px;color:#646a73}select,input,button{font-size:15px;padding:6px 8px;border:1px solid #c9cdd4;border-radius:6px;background:#fff;max-width:100%}
button{background:#3370ff;color:#fff;border-color:#3370ff}.custom[hidden]{display:none}
section{background:#fff;border-radius:10px;padding:12px;margin-bottom:12px;box-shadow:0 1px 2px rgba(0,0,0,.04)}
h2{font-size:16px;margin:0 0 6px}.hint{color:#8f959e;font-size:12px;margin:0 0 6px}.chart{width:100%;min-height:220px}
#drill{margin-top:8px}#drill h3{font-size:15px;margin:6px 0}ol,ul{margin:0;padding-left:20px}li{margin:4px 0;word-break:break-all}
.muted{color:#8f959e;font-size:13px}.flag{color:#d83931;font-weight:600}.err{color:#d83931}
.grid{display:grid;grid-template-columns:1fr;gap:12px}@media(min-width:860px){.grid{grid-template-columns:1fr 1fr}}
table{border-collapse:collapse;width:100%;font-size:13px}td,th{padding:4px 6px;border-bottom:1px solid #eee;text-align:left}`;

/** The page's script; times are shown in the business time zone `tz`, whatever the browser's zone. */
function clientScript(tz: string): string {
  const t = JSON.stringify({ ...T, drillTitle: T.drillTitle('{office}', '{stage}'), flag: dashboardTexts.flag, red: RED }).replace(/</g, '\\u003c');
  return `(function(){'use strict';var T=${t};var TZ=${JSON.stringify(tz).replace(/</g, '\\u003c')};
function $(id){return document.getElementById(id);}
function el(tag,text,cls){var e=document.createElement(tag);if(text!=null)e.textContent=text;if(cls)e.className=cls;return e;}
function clear(e){while(e.firstChild)e.removeChild(e.firstChild);}
var FMT=new Intl.DateTimeFormat('zh-CN',{timeZone:TZ,month:'numeric',day:'numeric',hour:'2-digit',minute:'2-digit',hourCycle:'h23'});
function fmtTime(s){if(!s)return '';var p={};FMT.formatToParts(new Date(s)).forEach(function(x){p[x.type]=x.value;});return p.month+'月'+p.day+'日 '+p.hour+':'+p.minute;}
function enc(s){return echarts.format.encodeHTML(String(s==null?'':s));}
var narrow=function(){return (window.innerWidth||800)<600;};
var charts={};function chart(id){if(!charts[id]){charts[id]=echarts.init($(id),null,{renderer:'svg'});}return charts[id];}
window.addEventListener('resize',function(){for(var k in charts)charts[k].resize();});
var state={heatmap:null};window.__dashboard=state;
function query(){var p=$('period').value,q=[];if(p==='custom'){if($('from').value)q.push('from='+encodeURIComponent($('from').value));if($('to').value)q.push('to='+encodeURIComponent($('to').value));}
else{q.push('days='+encodeURIComponent(p));}
if($('office').value)q.push('office='+encodeURIComponent($('office').value));return q.join('&');}
function get(path){return fetch(path,{credentials:'same-origin',headers:{accept:'application/json'}}).then(function(r){return r.json().then(function(j){if(!r.ok)throw new Error(j.message||T.failed);return j;});});}
function cellColor(c,max){if(c.red)return T.red;if(c.hours==null)return '#f2f3f5';var ref=c.thresholdHours||max||1;var x=Math.max(0,Math.min(1,c.hours/ref));
var a=[232,247,238],b=[255,214,102];return 'rgb('+[0,1,2].map(function(i){return Math.round(a[i]+(b[i]-a[i])*x);}).join(',')+')';}
function renderHeatmap(h){state.heatmap=h;var stages=h.stages,offices=h.offices;var xs=stages.map(function(s){return narrow()?String(s.order):s.order+' '+s.name;});
var ys=offices.map(function(o){return o.name;});var max=0;h.cells.forEach(function(c){if(c.hours>max)max=c.hours;});
var data=h.cells.map(function(c){var x=stages.map(function(s){return s.key;}).indexOf(c.stage),y=offices.map(function(o){return o.id;}).indexOf(c.officeId);
return {value:[x,y,c.hours==null?'-':c.hours],cell:c,itemStyle:{color:cellColor(c,max),borderColor:'#fff',borderWidth:2}};});
var box=$('heatmap');box.style.height=Math.max(220,80+offices.length*(narrow()?34:40))+'px';var ch=chart('heatmap');ch.resize();
ch.setOption({animation:false,grid:{left:8,right:8,top:8,bottom:8,containLabel:true},
tooltip:{confine:true,formatter:function(p){var c=p.data.cell;var o=offices[p.value[1]],s=stages[p.value[0]];
return enc(o.name)+' · '+enc(s.name)+'<br>平均 '+(c.hours==null?'-':c.hours+' 小时')+'（'+c.customers+' 位客户）<br>已离开：'+(c.finished.hours==null?'-':c.finished.hours+' 小时')+'（'+c.finished.customers+'）<br>停留中：'+(c.current.hours==null?'-':c.current.hours+' 小时')+'（'+c.current.customers+'）'+(c.thresholdHours!=null?'<br>阈值 '+c.thresholdHours+' 小时':'');}},
xAxis:{type:'category',data:xs,position:'top',axisLabel:{interval:0,fontSize:narrow()?11:12},splitArea:{show:false}},
yAxis:{type:'category',data:ys,inverse:true,axisLabel:{fontSize:12}},
visualMap:{show:false,min:0,max:1,dimension:2,inRange:{color:['#f2f3f5']}},
series:[{type:'heatmap',data:data,label:{show:true,fontSize:narrow()?10:12,formatter:function(p){return p.value[2]==='-'?'-':Math.round(p.value[2])+'h';}},emphasis:{itemStyle:{borderColor:'#333',borderWidth:1}}}]},true);
ch.off('click');ch.on('click',function(p){if(p.data&&p.data.cell)showDrill(p.data.cell);});
state.cellPixel=function(officeId,stage){var x=stages.map(function(s){return s.key;}).indexOf(stage),y=offices.map(function(o){return o.id;}).indexOf(officeId);
var pt=ch.convertToPixel({seriesIndex:0},[x,y]);var r=box.getBoundingClientRect();return {x:r.left+window.scrollX+pt[0],y:r.top+window.scrollY+pt[1]};};
clear($('drill'));}
function showDrill(c){var d=$('drill');clear(d);var h=state.heatmap;var o=h.offices.filter(function(x){return x.id===c.officeId;})[0],s=h.stages.filter(function(x){return x.key===c.stage;})[0];
d.appendChild(el('h3',T.drillTitle.replace('{office}',o?o.name:'').replace('{stage}',s?s.name:'')));
if(!c.red){d.appendChild(el('p',T.drillNotRed,'muted'));return;}if(!c.top.length){d.appendChild(el('p',T.drillEmpty,'muted'));return;}
var ol=el('ol');ol.id='drill-list';c.top.forEach(function(x){var li=el('li');li.setAttribute('data-customer',String(x.customerId));li.appendChild(el('strong',x.name));
li.appendChild(document.createTextNode(' · '+(x.ownerName||x.ownerId)+' · 已停留 '+Math.round(x.dwellHours)+' 小时'));
if(x.lastTouchpoint){li.appendChild(el('div','最近沟通（'+fmtTime(x.lastTouchpoint.at)+'）：'+(x.lastTouchpoint.text||''),'muted'));}else{li.appendChild(el('div','暂无沟通记录','muted'));}
ol.appendChild(li);});d.appendChild(ol);d.scrollIntoView&&d.scrollIntoView({block:'nearest'});}
function renderFunnel(steps){var ch=chart('funnel');var labels=steps.map(function(s){return narrow()?s.fromName.slice(0,4)+'→'+s.toName.slice(0,4):s.fromName+' → '+s.toName;});
ch.setOption({animation:false,grid:{left:8,right:40,top:8,bottom:8,containLabel:true},tooltip:{confine:true,formatter:function(p){var s=steps[p.dataIndex];return enc(s.fromName)+' → '+enc(s.toName)+'<br>进入 '+s.entered+'，其后进入下一阶段 '+s.advanced;}},
xAxis:{type:'value',max:100,axisLabel:{formatter:'{value}%'}},yAxis:{type:'category',data:labels,inverse:true,axisLabel:{fontSize:12}},
series:[{type:'bar',data:steps.map(function(s){var v=s.rate==null?0:Math.round(s.rate*1000)/10;return v>55?{value:v,label:{position:'insideRight',color:'#fff'}}:v;}),itemStyle:{color:'#3370ff'},label:{show:true,position:'right',formatter:function(p){var s=steps[p.dataIndex];return s.rate==null?'-':p.value+'%（'+s.advanced+'/'+s.entered+'）';}}}]},true);}
function renderStalled(list){var u=$('stalled');clear(u);if(!list.length){u.appendChild(el('li',T.stalledEmpty,'muted'));return;}
list.forEach(function(x){var li=el('li');li.appendChild(el('span',T.flag+' ','flag'));li.appendChild(el('strong',x.name));
li.appendChild(document.createTextNode(' · '+x.officeName+' · '+(x.ownerName||x.ownerId)+' · '+x.daysSinceUpdate+' 天未更新'));
if(x.touchpoints.length){var ul=el('ul');x.touchpoints.forEach(function(t){ul.appendChild(el('li',fmtTime(t.at)+'（'+(t.direction==='in'?'客户':'销售')+(t.kind==='objection'?'·异议':'')+'）'+(t.text||''),'muted'));});li.appendChild(ul);}
u.appendChild(li);});}
function renderObjections(o){var box=$('objections');var empty=$('objections-empty');if(!o.terms.length){empty.hidden=false;box.style.display='none';return;}
empty.hidden=true;box.style.display='';var terms=o.terms.slice(0,15);box.style.height=Math.max(200,40+terms.length*26)+'px';var ch=chart('objections');ch.resize();
ch.setOption({animation:false,grid:{left:8,right:60,top:8,bottom:8,containLabel:true},tooltip:{confine:true},xAxis:{type:'value',minInterval:1},
yAxis:{type:'category',inverse:true,data:terms.map(function(t){return t.term;})},
series:[{type:'bar',data:terms.map(function(t){return t.count;}),itemStyle:{color:'#ff8800'},label:{show:true,position:'right',formatter:function(p){return p.value+'（'+Math.round(terms[p.dataIndex].share*100)+'%）';}}}]},true);
$('objections-total').textContent='共 '+o.total+' 条异议';}
function pct(x){return x==null?'-':Math.round(x*100)+'%';}function hrs(x){return x==null?'-':x+'h';}
function renderMaterials(m){var b=$('materials-body');if(!b)return;clear(b);var rows=m.groups.concat(m.groups.length>1?[m.total]:[]);
if(!rows.length){var tr=el('tr');var td=el('td','—','muted');td.colSpan=7;tr.appendChild(td);b.appendChild(tr);}
rows.forEach(function(g){var tr=el('tr');[g.name,g.entered,g.sent+'（'+pct(g.sendRate)+'）',pct(g.onTimeRate),g.received+'（'+pct(g.openRate)+'）',hrs(g.avgHoursToSend),hrs(g.avgHoursToOpen)]
.forEach(function(v){tr.appendChild(el('td',String(v)));});b.appendChild(tr);});state.materials=m;}
function load(){var q=query();if($('materials-body'))get('/api/dashboard/materials?'+q).then(renderMaterials,function(){});$('status').textContent=T.loading;$('status').className='muted';
return Promise.all([get('/api/dashboard/heatmap?'+q),get('/api/dashboard/funnel?'+q),get('/api/dashboard/stalled?'+q),get('/api/dashboard/objections?'+q)])
.then(function(r){renderHeatmap(r[0]);renderFunnel(r[1].steps);renderStalled(r[2].items);renderObjections(r[3]);$('status').textContent='';state.ready=true;},
function(e){$('status').textContent=e.message||T.failed;$('status').className='err';});}
get('/api/dashboard/me').then(function(me){$('who').textContent=me.name+(me.admin?'（管理员）':'');var s=$('office');
me.offices.forEach(function(o){var op=el('option',o.name);op.value=o.id;s.appendChild(op);});return load();},function(e){$('status').textContent=e.message||T.failed;$('status').className='err';});
$('period').addEventListener('change',function(){var c=this.value==='custom';var xs=document.querySelectorAll('.custom');for(var i=0;i<xs.length;i++)xs[i].hidden=!c;});
$('filters').addEventListener('submit',function(e){e.preventDefault();state.ready=false;load();});})();`;
}

/** R6: pack send and open rates per office (filled by the script from /api/dashboard/materials). */
function materialsPanel(): string {
  const M = materialTexts.dashboard;
  return `<section id="materials"><h2>${escapeHtml(M.title)}</h2><p class="hint">${escapeHtml(M.hint)}</p><div style="overflow-x:auto"><table>` +
    `<thead><tr>${M.columns.map((c) => `<th>${escapeHtml(c)}</th>`).join('')}</tr></thead><tbody id="materials-body"></tbody></table></div></section>`;
}

export function dashboardPage(nonce: string, assetPath: string, tz: string): string {
  const periods = [7, 30, 90].map((d) => `<option value="${d}"${d === 30 ? ' selected' : ''}>${escapeHtml(T.days(d))}</option>`).join('') +
    `<option value="custom">${T.custom}</option>`;
  const body = `<header><h1>${T.title}</h1><span id="who"></span></header><main>
<form id="filters"><label for="period">${T.period}</label><select id="period">${periods}</select>
<input class="custom" id="from" type="date" hidden aria-label="开始日期"><input class="custom" id="to" type="date" hidden aria-label="结束日期">
<label for="office">${T.office}</label><select id="office"><option value="">${T.allOffices}</option></select>
<button type="submit">${T.apply}</button><span id="status" class="muted" role="status" aria-live="polite"></span></form>
<section><h2>${T.heatmap}</h2><p class="hint">${T.heatmapHint}</p><div id="heatmap" class="chart"></div><div id="drill"></div></section>
<div class="grid"><section><h2>${T.funnel}</h2><div id="funnel" class="chart"></div></section>
<section><h2>${T.objections}</h2><p class="hint" id="objections-total"></p><div id="objections" class="chart"></div><p id="objections-empty" class="muted" hidden>${T.objectionsEmpty}</p></section></div>
<section><h2>${T.stalled}</h2><ul id="stalled"></ul></section>${materialsPanel()}</main>`;
  return `<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">` +
    `<meta name="viewport" content="width=device-width,initial-scale=1,viewport-fit=cover"><meta name="referrer" content="no-referrer">` +
    `<link rel="icon" href="data:,"><title>${T.title}</title><style nonce="${nonce}">${CSS}</style></head><body>${body}` +
    `<script src="${assetPath}"></script><script nonce="${nonce}">${clientScript(tz)}</script></body></html>`;
}

export function messagePage(title: string, text: string, nonce: string): string {
  return `<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">` +
    `<title>${escapeHtml(title)}</title><style nonce="${nonce}">body{margin:0;background:#f2f3f5;font:16px/1.6 -apple-system,"PingFang SC","Microsoft YaHei",sans-serif}` +
    `main{max-width:480px;margin:40px auto;padding:20px 16px;background:#fff;border-radius:12px}h1{font-size:20px;margin:0 0 12px}</style></head>` +
    `<body><main><h1>${escapeHtml(title)}</h1><p>${escapeHtml(text)}</p></main></body></html>`;
}

/**
 * The 免登 page (sign-in inside DingTalk, shared/docs/dingtalk-api.md §9): loads the JSAPI bundle from our server,
 * asks the client for a code — `dd.requestAuthCode({corpId, clientId})`, or on clients before 7.0.45
 * `dd.runtime.permission.requestAuthCode({corpId})` — and comes back to `/dashboard?code=&state=`, where the code is
 * exchanged for the userid like WeCom's OAuth code. If the client gives no code, the sign-in text stays.
 */
export function dingtalkSignInPage(nonce: string, o: { asset: string; corpId: string; clientId: string; state: string }): string {
  const data = JSON.stringify({ corpId: o.corpId, clientId: o.clientId, state: o.state, title: T.signInTitle, text: T.signInDingtalk })
    .replace(/</g, '\\u003c');
  const script = `(function(){'use strict';var D=${data};
function fail(){document.getElementById('h').textContent=D.title;document.getElementById('p').textContent=D.text;}
function go(r){if(!r||!r.code){fail();return;}location.replace('/dashboard?code='+encodeURIComponent(r.code)+'&state='+encodeURIComponent(D.state));}
var dd=window.spbDingtalk;if(!dd){fail();return;}
dd.requestAuthCode({corpId:D.corpId,clientId:D.clientId}).then(go,function(){
return dd.requestAuthCodeLegacy({corpId:D.corpId}).then(go,fail);});})();`;
  return `<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">` +
    `<title>${escapeHtml(T.dingtalkSigningInTitle)}</title><style nonce="${nonce}">body{margin:0;background:#f2f3f5;font:16px/1.6 -apple-system,"PingFang SC","Microsoft YaHei",sans-serif}` +
    `main{max-width:480px;margin:40px auto;padding:20px 16px;background:#fff;border-radius:12px}h1{font-size:20px;margin:0 0 12px}</style></head>` +
    `<body><main><h1 id="h">${escapeHtml(T.dingtalkSigningInTitle)}</h1><p id="p">${escapeHtml(T.dingtalkSigningIn)}</p></main>` +
    `<script src="${escapeHtml(o.asset)}"></script><script nonce="${nonce}">${script}</script></body></html>`;
}
