/**
 * The sandbox story of issue 13: the demo company has materials; a rep sends 明德口腔连锁's pack in the console
 * chat, the "customer" opens a link (the console's 以客户身份打开 button leads to the material page, whose beacon
 * is what counts), and the rep is told once in the console.
 */
import { startSandbox, type DemoDriver } from '../../app/demo-driver';

describe('sandbox: a pack sent, opened by the customer, the rep told', () => {
  jest.setTimeout(60_000);
  let demo: DemoDriver;
  beforeAll(async () => {
    demo = await startSandbox();
  });
  afterAll(async () => {
    await demo?.stop();
  });

  it('works end to end in the demo company', async () => {
    await demo.say('zhoujing', '明德口腔连锁 资料包');
    const reply = demo.inbox('zhoujing').map((m) => m.text).find((t) => t.includes('《演示后标准资料包》'));
    expect(reply).toBeDefined();
    const links = [...reply!.matchAll(/http:\/\/\S+\/m\/\S+/g)].map((m) => m[0]);
    expect(links).toHaveLength(2);
    // The material page itself (what the console's button opens) records nothing; its beacon does.
    const page = await fetch(links[0]!);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('/open');
    const beacon = await fetch(`${links[0]}/open`, { method: 'POST', headers: { 'x-material-beacon': '1' } });
    expect(await beacon.json()).toEqual(expect.objectContaining({ ok: true, first: true }));
    await demo.settle();
    const told = demo.inbox('zhoujing').filter((m) => m.text.includes('客户已打开《产品手册》'));
    expect(told).toHaveLength(1);
    expect(told[0]!.status).toBe('delivered');
  });
});
