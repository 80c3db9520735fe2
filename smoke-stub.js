const http = require('http');
http.createServer((req, res) => {
  let b = ''; req.on('data', (c) => (b += c)); req.on('end', () => {
    res.setHeader('content-type', 'application/json');
    if (req.url.startsWith('/cgi-bin/gettoken')) return res.end(JSON.stringify({ errcode: 0, access_token: 'T', expires_in: 7200 }));
    if (req.url.startsWith('/cgi-bin/message/send')) { const m = JSON.parse(b); console.log('SEND', m.touser, m.msgtype, JSON.stringify(m.text?.content ?? m.template_card?.main_title ?? '').slice(0, 160)); return res.end(JSON.stringify({ errcode: 0, msgid: 'x', response_code: 'rc' })); }
    console.log('OTHER', req.url); res.end(JSON.stringify({ errcode: 0 }));
  });
}).listen(3998, () => console.log('stub up'));
