/** The WeCom renderer (channel seam): card models become template_cards that WeCom's documented rules accept. */
import type { CardModel } from '../../../../bot/channel';
import { MAX_TEXT_BYTES, renderCard, renderCardUpdate, renderMessage } from '../../../../bot/wecom/render';
import { helpText } from '../../../../cards/help';
import { checkTemplateCard } from '../../../../sandbox/message-rules';

const warning: CardModel = {
  id: 'warn12l1-abc', source: '超时预警', title: '【预警】李娜的「客户痛点记录」已超时，请尽快跟进处理这一条', subtitle: '客户：华夏医疗',
  fields: [{ label: '截止时间', value: '12月1日 12:00' }, { label: '负责人', value: '李娜' }],
  note: '请选择处理方式', buttons: [{ label: '催办', key: 'task:12:nudge:1' }, { label: '已处理', key: 'task:12:handled:1', style: 'default' }],
  select: { key: 'extend_reason', label: '延期原因', options: [{ id: 'customer_away', label: '客户临时外出/出差' }], defaultId: 'customer_away',
    submit: { label: '延期24小时', key: 'task:12:extend:1', style: 'danger' } },
};

describe('WeCom renderer', () => {
  it('renders a card with buttons and a select as a button_interaction card WeCom accepts', () => {
    const card = renderCard(warning);
    expect(checkTemplateCard(card)).toBeNull();
    expect(card).toMatchObject({
      card_type: 'button_interaction', task_id: 'warn12l1-abc',
      button_selection: { question_key: 'extend_reason', selected_id: 'customer_away' },
      button_list: [{ text: '催办', style: 1, key: 'task:12:nudge:1' }, { text: '已处理', style: 4 }, { text: '延期24小时', style: 2, key: 'task:12:extend:1' }],
    });
    expect((card.main_title as { title: string }).title.length).toBeLessThanOrEqual(26);
  });

  it('renders a card without buttons as a text_notice (with the action WeCom requires)', () => {
    const card = renderCard({ id: 'note1-x', title: '【强制推进】华夏医疗', fields: [{ label: '负责人', value: '李娜' }], buttons: [] });
    expect(card.card_type).toBe('text_notice');
    expect(checkTemplateCard(card)).toBeNull();
  });

  it('renders texts, links and updates in WeCom’s shapes', () => {
    expect(renderMessage({ type: 'text', text: '你好' })).toEqual({ msgtype: 'text', text: { content: '你好' } });
    expect(renderMessage({ type: 'link', title: '看板', description: '点开查看', url: 'https://x.test/d' }))
      .toEqual({ msgtype: 'textcard', textcard: { title: '看板', description: '点开查看', url: 'https://x.test/d' } });
    expect(renderCardUpdate({ type: 'disable', label: '张伟已催办 12月1日 12:00 之后的很长的标签' })).toEqual({ button: { replace_name: '张伟已催办 12月1日 12:00 之后' } }); // ≤ 20 characters
    expect(() => renderMessage({ type: 'file', media: { path: 'config/sop/x.md', name: 'x.md' } })).toThrow(/media/);
  });
});

describe('text within WeCom\'s 2048 bytes (a longer one is refused: the person would get nothing)', () => {
  const content = (text: string) => (renderMessage({ type: 'text', text }) as { text: { content: string } }).text.content;

  it('the help answer fits whole', () => {
    const help = helpText();
    expect(Buffer.byteLength(help)).toBeLessThanOrEqual(MAX_TEXT_BYTES);
    expect(content(help)).toBe(help);
  });

  it('a longer text arrives cut after its last whole line that fits, marked with …', () => {
    const lines = Array.from({ length: 200 }, (_, i) => `第${i + 1}行：华夏医疗 价格谈判中 已停留 9 天`);
    const out = content(lines.join('\n'));
    expect(Buffer.byteLength(out)).toBeLessThanOrEqual(MAX_TEXT_BYTES);
    expect(out.endsWith('\n…')).toBe(true);
    const kept = out.slice(0, -2).split('\n');
    expect(kept).toEqual(lines.slice(0, kept.length)); // whole lines, in order
    expect(kept.length).toBeGreaterThan(30);
    // One long line: cut on a character boundary, never inside a character.
    const one = content('痛'.repeat(1000));
    expect(Buffer.byteLength(one)).toBeLessThanOrEqual(MAX_TEXT_BYTES);
    expect(one).toMatch(/^痛+\n…$/);
  });
});
