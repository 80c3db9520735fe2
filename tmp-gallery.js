const { chromium } = require('playwright-core');
const fs = require('fs');
const B = 'http://127.0.0.1:3917/sandbox/wecom/cgi-bin';
const j = (r) => r.json();
(async () => {
  const t = (await j(await fetch(`${B}/gettoken?corpid=wwsandbox000001&corpsecret=sandbox-secret-not-a-real-wecom-secret`))).access_token;
  const send = async (b) => console.log(b.msgtype, JSON.stringify(await j(await fetch(`${B}/message/send?access_token=${t}`, { method: 'POST', body: JSON.stringify({ agentid: 1000002, touser: 'wangjianguo', ...b }) }))));
  const up = async (name, type, bytes, ct) => { const f = new FormData(); f.append('media', new Blob([bytes], { type: ct }), name); return (await j(await fetch(`${B}/media/upload?access_token=${t}&type=${type}`, { method: 'POST', body: f }))).media_id; };
  await send({ msgtype: 'markdown', markdown: { content: '## 本周过程健康周报\n**华东办事处** 方案提交及时率 <font color="info">92%</font>\n华南办事处 <font color="warning">68%</font>\n> 超期谈判客户：<font color="comment">3 个</font>\n[查看看板](https://work.weixin.qq.com/) · `R8`' } });
  await send({ msgtype: 'textcard', textcard: { title: '《方案撰写SOP》已推送', description: '<div class="gray">2026年11月27日</div><div class="normal">明德口腔连锁 产品演示已超过24小时未提交方案</div><div class="highlight">这是帮助，不是问责</div>', url: 'https://work.weixin.qq.com/', btntxt: '查看' } });
  const pdf = await up('方案撰写SOP.pdf', 'file', Buffer.from('%PDF-1.4 ' + 'x'.repeat(2000)), 'application/pdf');
  await send({ msgtype: 'file', file: { media_id: pdf } });
  const png = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAEAAAAAgCAIAAAAt/+nTAAAAOklEQVR4nO3OMQEAAAgDoJvc6FrDA4IFmNt0uO4OAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAgG8DLQABYxoO2AAAAABJRU5ErkJggg==', 'base64');
  const img = await up('heat.png', 'image', png, 'image/png');
  await send({ msgtype: 'image', image: { media_id: img } });
  await send({ msgtype: 'news', news: { articles: [{ title: '医疗设备投标资料包', description: '6 个标准文件', url: 'https://work.weixin.qq.com/' }, { title: '第二篇：装机案例', url: 'https://work.weixin.qq.com/' }] } });
  await send({ msgtype: 'template_card', template_card: { card_type: 'news_notice', source: { desc: '销售流程助手', desc_color: 3 }, main_title: { title: '华东办事处 · 过程断点热力图', desc: '本周' }, card_image: { url: 'https://example.invalid/x.png', aspect_ratio: 2.25 }, vertical_content_list: [{ title: '方案已提交 平均 102 小时', desc: '超过阈值 96 小时' }], jump_list: [{ type: 1, title: '停滞客户 Top 3', url: 'https://work.weixin.qq.com/' }], card_action: { type: 1, url: 'https://work.weixin.qq.com/' } } });
  await send({ msgtype: 'template_card', template_card: { card_type: 'text_notice', source: { desc: '销售流程助手', desc_color: 2 }, task_id: 'warn-demo-1', action_menu: { desc: '更多', action_list: [{ text: '不再提醒', key: 'mute' }] }, main_title: { title: '【预警】客户痛点记录超时', desc: '李晓明 · 江南妇幼保健院' }, emphasis_content: { title: '2小时', desc: '已超时' }, quote_area: { type: 0, title: '要求', quote_text: '客户最焦虑的3个问题、现场承诺的交付物、下次联系时间' }, horizontal_content_list: [{ keyname: '负责人', type: 3, userid: 'lixiaoming' }, { keyname: '截止', value: '11月27日 14:00' }], card_action: { type: 1, url: 'https://work.weixin.qq.com/' } } });
  await send({ msgtype: 'template_card', template_card: { card_type: 'vote_interaction', task_id: 'vote-demo-1', main_title: { title: '抽检评分：南山中医院 跟进质量' }, checkbox: { question_key: 'score', mode: 0, option_list: [{ id: '5', text: '5 分 优秀' }, { id: '3', text: '3 分 合格' }, { id: '1', text: '1 分 不合格' }] }, submit_button: { text: '提交评分', key: 'submit-score' } } });
  await send({ msgtype: 'template_card', template_card: { card_type: 'multiple_interaction', task_id: 'multi-demo-1', main_title: { title: '指派陪写师' }, select_list: [{ question_key: 'coach', title: '陪写师', option_list: [{ id: 'zhanghui', text: '张慧' }, { id: 'liuyang', text: '刘洋' }] }, { question_key: 'when', title: '时间', option_list: [{ id: 'mon', text: '周一' }, { id: 'tue', text: '周二' }] }], submit_button: { text: '确定', key: 'assign' } } });
  await send({ msgtype: 'template_card', template_card: { card_type: 'text_notice', main_title: { title: '没有 card_action 的通知' } } });
  for (let i = 0; i < 30; i++) await fetch(`${B}/message/send?access_token=${t}`, { method: 'POST', body: JSON.stringify({ agentid: 1000002, touser: 'wangjianguo', msgtype: 'text', text: { content: `批量第${i + 1}条 http://example.com/a?b=1&c=2` } }) });

  const dir = fs.mkdtempSync('/tmp/prof-');
  const ctx = await chromium.launchPersistentContext(dir, { executablePath: '/usr/bin/chromium', headless: true,
    args: ['--headless','--no-sandbox','--disable-gpu','--disable-background-networking','--disable-component-update','--disable-sync','--disable-quic','--no-first-run'],
    viewport: { width: 1280, height: 900 } });
  const page = ctx.pages()[0];
  page.on('console', m => console.log('console:', m.text()));
  page.on('pageerror', e => console.log('pageerror:', e.message));
  await page.goto('http://localhost:3917/sandbox#u=wangjianguo');
  await page.waitForTimeout(2000);
  const rows = await page.locator('.row').count();
  console.log('rows', rows);
  for (const [i, sel] of [[0, '.row[data-type=markdown]'], [1, '.row[data-type=news]'], [2, '.row[data-type=template_card] >> nth=1'], [3, '.row[data-type=template_card] >> nth=3'], [4, '.row.rejected']].entries ? [[0, '.row[data-type=markdown]'], [1, '.row[data-type=news]'], [2, '.tc-text_notice >> nth=0'], [3, '.tc-multiple_interaction'], [4, '.row.rejected']] : []) {
    await page.locator(sel).first().scrollIntoViewIfNeeded();
    await page.locator(sel).first().evaluate(e => e.scrollIntoView({ block: 'start' }));
    await page.waitForTimeout(300);
    await page.screenshot({ path: `/tmp/gal${i}.png` });
  }
  await page.locator('.log').evaluate(e => e.scrollTop = e.scrollHeight);
  await page.waitForTimeout(300);
  await page.screenshot({ path: '/tmp/gal5.png' });
  await ctx.close();
})();
