import {
  applyAnswer,
  diffRecords,
  formatDiff,
  formatRecord,
  isCancel,
  mergeRecord,
  painPointSteps,
  parseChineseDateTime,
  parsePainPointMessage,
  startPainPointConversation,
  validatePainPoint,
  type PainPointConversationState,
  type PainPointProblemCode,
  type PainPointRecord,
  type PainPointTurn,
} from '../../../domain/pain-point-form';

/** A wall-clock time in Asia/Shanghai: `sh('2026-11-30 15:00')`. */
const sh = (local: string): Date => new Date(`${local.replace(' ', 'T')}:00+08:00`);

/** Friday 2026-11-27 10:00 in Shanghai. */
const NOW = sh('2026-11-27 10:00');

interface Expected {
  worries?: string[];
  deliverables?: string[];
  next?: string;
  nextText?: string;
}

/** Messages as reps type them in WeCom on a phone → the record they mean. */
const valid: [string, string, Expected][] = [
  [
    'labels with full-width colons, inline numbering',
    '痛点：1.价格太高 2.交付周期长 3.担心售后响应慢\n承诺：3天内发方案；周一前发报价单\n下次联系：下周一上午10点',
    { worries: ['价格太高', '交付周期长', '担心售后响应慢'], deliverables: ['3天内发方案', '周一前发报价单'], next: '2026-11-30 10:00', nextText: '下周一上午10点' },
  ],
  [
    'the form’s own labels, chatter and emoji first, 1、 and - lists',
    '好的收到👌\n客户最焦虑的3个问题：\n1、预算只有50万，怕超\n2、上线时间赶不上明年3月\n3、担心数据迁移丢数据\n现场承诺的交付物：\n- 详细报价单\n- 数据迁移方案\n下次联系时间：11月30日 15:00',
    { worries: ['预算只有50万，怕超', '上线时间赶不上明年3月', '担心数据迁移丢数据'], deliverables: ['详细报价单', '数据迁移方案'], next: '2026-11-30 15:00' },
  ],
  [
    'everything on one line, circled numbers',
    '痛点：①价格②交付③售后 承诺：出方案 下次联系：明天下午3点',
    { worries: ['价格', '交付', '售后'], deliverables: ['出方案'], next: '2026-11-28 15:00', nextText: '明天下午3点' },
  ],
  [
    'labels without colons, 、 separated, 回访 with Chinese numerals',
    '担忧 价格贵、交付慢、售后差\n承诺 周三前发案例\n回访 周五下午两点',
    { worries: ['价格贵', '交付慢', '售后差'], deliverables: ['周三前发案例'], next: '2026-11-27 14:00' },
  ],
  [
    'a title line with the customer, items on separate lines, half-width colons',
    '【华夏医疗痛点记录】\n痛点:\n价格太高\n担心实施周期\n维保费用\n答应:下周二前提供3家同类医院案例\n下次沟通:12月1号上午',
    { worries: ['价格太高', '担心实施周期', '维保费用'], deliverables: ['下周二前提供3家同类医院案例'], next: '2026-12-01 09:00' },
  ],
  [
    'space separated worries, relative hours',
    '痛点 价格贵 交付慢 售后差\n承诺 出方案\n下次联系 2小时后',
    { worries: ['价格贵', '交付慢', '售后差'], deliverables: ['出方案'], next: '2026-11-27 12:00' },
  ],
  [
    'one line with spaces, no colons at all',
    '痛点 价格贵 交付慢 售后差 承诺 出方案 下次联系 周一上午10点',
    { worries: ['价格贵', '交付慢', '售后差'], deliverables: ['出方案'], next: '2026-11-30 10:00' },
  ],
  [
    'labels glued to the content, sentences with commas and full stops',
    '痛点价格贵，交付慢，售后差。承诺出方案。下次联系周一上午10点',
    { worries: ['价格贵', '交付慢', '售后差'], deliverables: ['出方案'], next: '2026-11-30 10:00' },
  ],
  [
    'prose: 客户担心…，我答应…，约了…',
    '客户担心价格、交付周期和售后，我答应3天内出方案，约了下周二下午再聊',
    { worries: ['价格', '交付周期', '售后'], deliverables: ['3天内出方案'], next: '2026-12-01 14:00', nextText: '下周二下午再聊' },
  ],
  [
    'numbered sections',
    '1.痛点：价格高、交付慢、售后差\n2.承诺：3天内出方案\n3.下次联系：下周三上午10点',
    { worries: ['价格高', '交付慢', '售后差'], deliverables: ['3天内出方案'], next: '2026-12-02 10:00' },
  ],
  [
    'spaces typed inside the labels',
    '痛 点：价格;交付;售后\n下次 联系：后天上午10点半\n承 诺：报价单',
    { worries: ['价格', '交付', '售后'], deliverables: ['报价单'], next: '2026-11-29 10:30' },
  ],
  [
    'headings on their own lines, 一、 and （1） numbering, a sign-off',
    '痛点\n一、价格太高\n二、交付周期长\n三、售后响应慢\n承诺\n（1）技术方案\n（2）报价单\n下次联系\n2026-12-01 09:30\n以上，辛苦领导审阅🙏',
    { worries: ['价格太高', '交付周期长', '售后响应慢'], deliverables: ['技术方案', '报价单'], next: '2026-12-01 09:30', nextText: '2026-12-01 09:30' },
  ],
  [
    'numbers glued to the text, 第三方 stays a word, 周五 already past 09:00 → next Friday',
    '痛点：1价格高2交付慢3第三方接口不稳定\n承诺：3天内出方案\n下次联系：周五',
    { worries: ['价格高', '交付慢', '第三方接口不稳定'], deliverables: ['3天内出方案'], next: '2026-12-04 09:00' },
  ],
  [
    'a mention and 痛点记录如下 before a numbered list, deliverables under 答应客户',
    '收到[OK]\n@张经理 华夏医疗今天电话沟通完了，痛点记录如下：\n1. 担心价格超预算\n2. 交付要3个月太久\n3. 售后只有5x8\n答应客户：\n周一前发报价单\n周三前发技术方案\n下次联系：下周一下午2点',
    { worries: ['担心价格超预算', '交付要3个月太久', '售后只有5x8'], deliverables: ['周一前发报价单', '周三前发技术方案'], next: '2026-11-30 14:00' },
  ],
  [
    'one label per worry',
    '担忧1：价格\n担忧2：交付\n担忧3：售后\n承诺：方案\n下次联系：12月1日 上午9:30',
    { worries: ['价格', '交付', '售后'], deliverables: ['方案'], next: '2026-12-01 09:30', nextText: '12月1日 上午9:30' },
  ],
  [
    'emoji bullets and a trailing smiley',
    '痛点：🔸价格太高\n🔸交付周期长\n🔸售后没保障\n承诺：📄技术方案\n下次联系：明天下午3点😊',
    { worries: ['价格太高', '交付周期长', '售后没保障'], deliverables: ['技术方案'], next: '2026-11-28 15:00', nextText: '明天下午3点' },
  ],
  [
    'keycap numbers, 交付物 label',
    '痛点：1️⃣价格 2️⃣交付 3️⃣售后\n交付物：方案\n下次联系：周五下午4点',
    { worries: ['价格', '交付', '售后'], deliverables: ['方案'], next: '2026-11-27 16:00' },
  ],
  [
    'a full-width numbered list with no label is the worries',
    '１．价格太高\n２．交付周期长\n３．售后没保障\n承诺：方案\n下次联系：明天',
    { worries: ['价格太高', '交付周期长', '售后没保障'], deliverables: ['方案'], next: '2026-11-28 09:00' },
  ],
  [
    '1） numbering, 问题是… is a worry, 月底',
    '客户痛点：\n1）价格超预算\n2）担心交付延期\n3）问题是售后响应慢\n承诺：\n1）本周内出方案\n下次跟进时间：月底',
    { worries: ['价格超预算', '担心交付延期', '问题是售后响应慢'], deliverables: ['本周内出方案'], next: '2026-11-30 09:00' },
  ],
  [
    'slashes between worries, a count after the label',
    '好的\n痛点（3个）：价格高/交付慢/售后差\n承诺：方案\n下次联系：明天',
    { worries: ['价格高', '交付慢', '售后差'], deliverables: ['方案'], next: '2026-11-28 09:00' },
  ],
  [
    'dash lists, the time on the line after its label',
    '痛点：\n- 价格太高\n- 交付太慢\n- 售后不好\n承诺：\n- 发方案\n下次联系：\n明天下午三点',
    { worries: ['价格太高', '交付太慢', '售后不好'], deliverables: ['发方案'], next: '2026-11-28 15:00', nextText: '明天下午三点' },
  ],
  [
    'half-width semicolons, 11/30',
    '顾虑:价格太高;对接周期长;担心二期扩容\n答应:3天内给到初版方案、报价\n下次沟通:11/30 下午2点',
    { worries: ['价格太高', '对接周期长', '担心二期扩容'], deliverables: ['3天内给到初版方案', '报价'], next: '2026-11-30 14:00' },
  ],
  [
    'a leading @mention, one line, the 3 worries separated by 、',
    '@销售助手 痛点：预算卡得紧、决策链长、怕实施失败 承诺：明天发成功案例 下次联系：下周一下午3点',
    { worries: ['预算卡得紧', '决策链长', '怕实施失败'], deliverables: ['明天发成功案例'], next: '2026-11-30 15:00' },
  ],
  [
    'mixed half/full-width punctuation, 11-30',
    '痛点:价格太高；交付慢;售后差\n承诺：报价单、方案\n下次联系:11-30 15:00',
    { worries: ['价格太高', '交付慢', '售后差'], deliverables: ['报价单', '方案'], next: '2026-11-30 15:00' },
  ],
  [
    '焦虑的问题有3个, 回访时间, a chatter line in between',
    '焦虑的问题有3个：\n1.价格\n2.交付\n3.售后\n交付物：方案+报价\n好的\n回访时间：12月2日下午',
    { worries: ['价格', '交付', '售后'], deliverables: ['方案+报价'], next: '2026-12-02 14:00' },
  ],
  [
    '第一，第二，第三 and 答应了客户',
    '痛点：第一，价格；第二，交付；第三，售后\n答应了客户下周一前发方案\n下次联系：下周一上午九点半',
    { worries: ['价格', '交付', '售后'], deliverables: ['下周一前发方案'], next: '2026-11-30 09:30' },
  ],
  [
    '一是…，二是…，三是…',
    '客户顾虑：一是价格，二是交付，三是售后\n承诺：出方案\n约了周四上午十点再电话',
    { worries: ['价格', '交付', '售后'], deliverables: ['出方案'], next: '2026-12-03 10:00', nextText: '周四上午十点再电话' },
  ],
  [
    'WeChat emoji codes and (1) numbering',
    '[微笑]痛点：(1)价格[捂脸] (2)交付周期 (3)售后[叹气]\n承诺：方案[强]\n下次联系：今晚8点',
    { worries: ['价格', '交付周期', '售后'], deliverables: ['方案'], next: '2026-11-27 20:00', nextText: '今晚8点' },
  ],
  [
    'a 1.5万 amount is not numbering',
    '担忧：\n1.5万的维保费太贵\n数据安全\n上线时间\n承诺：1份安全白皮书\n下次联系：3天后',
    { worries: ['1.5万的维保费太贵', '数据安全', '上线时间'], deliverables: ['1份安全白皮书'], next: '2026-11-30 09:00' },
  ],
  [
    'worries typed with stray spaces, Windows line ends',
    '痛点：售后 响应慢；价格 偏高；交付 周期长\r\n承诺：方案\r\n下次联系：2026-12-01 09:30',
    { worries: ['售后响应慢', '价格偏高', '交付周期长'], deliverables: ['方案'], next: '2026-12-01 09:30' },
  ],
  [
    'an unlabelled clause saying when to call back',
    '痛点：价格、交付、售后。答应周一发方案。下周三下午3点再联系',
    { worries: ['价格', '交付', '售后'], deliverables: ['周一发方案'], next: '2026-12-02 15:00', nextText: '下周三下午3点再联系' },
  ],
  [
    'words that look like labels inside items stay in the items',
    '痛点：价格；承诺的工期；回访不及时\n交付物：\n周一前联系厂家确认交期\n下次联系：周三 14:00',
    { worries: ['价格', '承诺的工期', '回访不及时'], deliverables: ['周一前联系厂家确认交期'], next: '2026-12-02 14:00', nextText: '周三 14:00' },
  ],
  [
    'a worry that mentions a day and 联系 is still a worry',
    '痛点：\n担心明天没人联系\n价格\n售后\n承诺：方案\n下次联系：周三 14:00',
    { worries: ['担心明天没人联系', '价格', '售后'], deliverables: ['方案'], next: '2026-12-02 14:00' },
  ],
  [
    'a worry line starting with 交付 is not the deliverables label',
    '痛点：\n交付\n价格\n售后\n承诺：方案\n下次联系：明天',
    { worries: ['交付', '价格', '售后'], deliverables: ['方案'], next: '2026-11-28 09:00' },
  ],
];

describe('parsePainPointMessage: complete messages', () => {
  test.each(valid)('%s', (_name, message, expected) => {
    const result = parsePainPointMessage(message, NOW);
    if (!result.ok) throw new Error(`unexpected problems: ${result.problems.map((p) => p.message).join(' / ')}`);
    const { record } = result;
    if (expected.worries) expect(record.worries).toEqual(expected.worries);
    if (expected.deliverables) expect(record.deliverables).toEqual(expected.deliverables);
    if (expected.next) expect(record.nextContactAt).toEqual(sh(expected.next));
    if (expected.nextText) expect(record.nextContactText).toBe(expected.nextText);
  });
});

/** Messages with something wrong → the exact problems, in form order. */
const invalid: [string, string, [PainPointProblemCode, string][]][] = [
  ['two worries', '顾虑：1.价格；2.交付\n承诺：方案\n下次联系：明天', [['worries_too_few', '只填写了2个担忧，需要正好3个']]],
  ['four worries', '焦虑：价格、交付、售后、培训\n承诺：方案\n下次联系：明天上午', [['worries_too_many', '填写了4个担忧，需要正好3个（只留客户最焦虑的3个）']]],
  [
    '交付物：无, a past time',
    '问题：价格太贵 [捂脸]；交付周期长；售后差\n交付物：无\n下次联系：昨天下午3点',
    [
      ['deliverables_missing', '缺少现场承诺的交付物'],
      ['next_contact_past', '下次联系时间“昨天下午3点”（11月26日（周四）15:00）已经过去，请填写将来的时间'],
    ],
  ],
  ['an unreadable time', '痛点：价格，交付，售后\n承诺的交付物：方案书，报价单\n下次联系时间：xx', [['next_contact_unreadable', '没看懂下次联系时间“xx”，可以写成“明天下午3点”“下周三 15:00”，或写具体日期“几月几日 几点”']]],
  ['a vague time', '担忧：价格、交付、售后\n承诺：1份安全白皮书\n下次联系：下周', [['next_contact_vague', '下次联系时间“下周”不够具体，请写到哪天几点，例如“下周一上午10点”']]],
  ['an impossible date', '痛点：价格、交付、售后\n承诺：方案\n下次联系：11月31日下午3点', [['next_contact_invalid', '下次联系时间“11月31日下午3点”不是有效的日期，请检查月份和日期']]],
  ['the same worry twice', '痛点：价格高；价格 高；交付\n承诺：方案\n下次联系：明天', [['worries_duplicate', '第1个和第2个担忧重复（“价格高”），需要3个不同的担忧']]],
  ['no deliverables part', '痛点：价格高、交付慢、售后差\n下次联系：明天下午3点', [['deliverables_missing', '缺少现场承诺的交付物']]],
  ['no next contact', '痛点：价格高、交付慢、售后差\n承诺：方案 好的', [['next_contact_missing', '缺少下次联系时间']]],
  [
    'only deliverables and a time',
    '承诺：发方案\n下次联系：后天',
    [['worries_missing', '缺少客户最焦虑的3个问题']],
  ],
  [
    'an earlier date this year is not moved to next year',
    '痛点：价格、交付、售后\n承诺：方案\n下次联系：11月20日 15:00',
    [['next_contact_past', '下次联系时间“11月20日 15:00”（11月20日（周五）15:00）已经过去，请填写将来的时间']],
  ],
  [
    'just chatter',
    '好的收到[OK]',
    [
      ['worries_missing', '缺少客户最焦虑的3个问题'],
      ['deliverables_missing', '缺少现场承诺的交付物'],
      ['next_contact_missing', '缺少下次联系时间'],
    ],
  ],
];

describe('parsePainPointMessage: what is wrong, precisely', () => {
  test.each(invalid)('%s', (_name, message, problems) => {
    const result = parsePainPointMessage(message, NOW);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.problems.map((p) => [p.code, p.message])).toEqual(problems);
  });

  test('the partial record keeps what was understood', () => {
    const result = parsePainPointMessage('顾虑：1.价格；2.交付\n承诺：方案\n下次联系：xx', NOW);
    expect(result).toMatchObject({ ok: false, record: { worries: ['价格', '交付'], deliverables: ['方案'], nextContactText: 'xx' } });
    expect(result.ok ? null : result.record.nextContactAt).toBeUndefined();
  });

  test('a next contact exactly now is not in the future', () => {
    const result = parsePainPointMessage('痛点：价格、交付、售后\n承诺：方案\n下次联系：今天上午10点', NOW);
    expect(result.ok ? [] : result.problems.map((p) => p.code)).toEqual(['next_contact_past']);
  });
});

describe('parseChineseDateTime', () => {
  // NOW is Friday 2026-11-27 10:00 (Asia/Shanghai)
  const table: [string, string | null][] = [
    ['明天下午3点', '2026-11-28 15:00'],
    ['后天上午10点半', '2026-11-29 10:30'],
    ['今天晚上8点', '2026-11-27 20:00'],
    ['今晚', '2026-11-27 19:00'],
    ['明早', '2026-11-28 09:00'],
    ['明晚8点半', '2026-11-28 20:30'],
    ['下周一上午9点', '2026-11-30 09:00'],
    ['下个星期三下午', '2026-12-02 14:00'],
    ['礼拜天上午十一点', '2026-11-29 11:00'],
    ['周日', '2026-11-29 09:00'],
    ['周一', '2026-11-30 09:00'],
    // today is Friday: today while the time is still ahead, otherwise next week
    ['周五下午两点', '2026-11-27 14:00'],
    ['周五上午9点', '2026-12-04 09:00'],
    ['周五', '2026-12-04 09:00'],
    ['下周五前', '2026-12-04 09:00'],
    // 这周/本周 is this week, even when past
    ['这周四', '2026-11-26 09:00'],
    ['3天后', '2026-11-30 09:00'],
    ['一周后', '2026-12-04 09:00'],
    ['大后天', '2026-11-30 09:00'],
    ['2小时后', '2026-11-27 12:00'],
    ['半小时后', '2026-11-27 10:30'],
    ['1个半小时后', '2026-11-27 11:30'],
    ['30分钟后', '2026-11-27 10:30'],
    ['11月30日 15:00', '2026-11-30 15:00'],
    ['11-30 15:00', '2026-11-30 15:00'],
    ['11/30 下午2点', '2026-11-30 14:00'],
    ['12.1 上午10点', '2026-12-01 10:00'],
    ['2026-12-01 09:30', '2026-12-01 09:30'],
    ['2026年12月1日', '2026-12-01 09:00'],
    ['12月1号上午', '2026-12-01 09:00'],
    ['十二月一号下午2:30', '2026-12-01 14:30'],
    ['1号', '2026-12-01 09:00'],
    ['30号下午', '2026-11-30 14:00'],
    ['下个月5号', '2026-12-05 09:00'],
    ['月底', '2026-11-30 09:00'],
    ['下月底', '2026-12-31 09:00'],
    ['月初', '2026-12-01 09:00'],
    // a time without a day: today if still ahead, otherwise tomorrow; 1–6 点 without a period is afternoon
    ['两点', '2026-11-27 14:00'],
    ['三点半', '2026-11-27 15:30'],
    ['十点一刻', '2026-11-27 10:15'],
    ['9点', '2026-11-28 09:00'],
    ['明天3点', '2026-11-28 15:00'],
    ['明天下午三点二十', '2026-11-28 15:20'],
    ['明天中午1点', '2026-11-28 13:00'],
    ['中午', '2026-11-27 12:00'],
    ['下午', '2026-11-27 14:00'],
    ['晚上12点', '2026-11-28 00:00'],
    ['3pm', '2026-11-27 15:00'],
    ['明天 15:00', '2026-11-28 15:00'],
    ['明天下午3点，电话回访', '2026-11-28 15:00'],
    ['明天下午３点', '2026-11-28 15:00'],
    // past times are returned as they are; validation says they are past
    ['昨天下午3点', '2026-11-26 15:00'],
    ['今天上午9点', '2026-11-27 09:00'],
    ['11月20日 15:00', '2026-11-20 15:00'],
    // not guessed
    ['下周', null],
    ['下周下午3点', null],
    ['过几天', null],
    ['待定', null],
    ['晚点', null],
    ['周末', null],
    ['xx', null],
    ['', null],
    ['11月31日', null],
    ['25点', null],
  ];
  test.each(table)('%s', (text, expected) => {
    expect(parseChineseDateTime(text, NOW)).toEqual(expected === null ? null : sh(expected));
  });

  describe('around midnight (calendar days in Asia/Shanghai)', () => {
    const lateFriday = sh('2026-11-27 23:50');
    // 2026-11-27T16:30Z: still Friday in UTC, already Saturday 00:30 in Shanghai
    const earlySaturday = new Date('2026-11-27T16:30:00Z');
    const cases: [Date, string, string][] = [
      [lateFriday, '明天上午9点', '2026-11-28 09:00'],
      [lateFriday, '30分钟后', '2026-11-28 00:20'],
      [lateFriday, '晚上11点55', '2026-11-27 23:55'],
      [lateFriday, '晚上12点', '2026-11-28 00:00'],
      [lateFriday, '今天晚上11点', '2026-11-27 23:00'],
      [lateFriday, '周六', '2026-11-28 09:00'],
      [earlySaturday, '今天下午3点', '2026-11-28 15:00'],
      [earlySaturday, '明天', '2026-11-29 09:00'],
      [earlySaturday, '周六', '2026-11-28 09:00'],
      [earlySaturday, '周五', '2026-12-04 09:00'],
      [earlySaturday, '下周一', '2026-11-30 09:00'],
      [sh('2026-11-29 20:00'), '下周一', '2026-11-30 09:00'],
      [sh('2026-12-31 18:00'), '明天', '2027-01-01 09:00'],
      [sh('2026-12-31 18:00'), '下个月5号', '2027-01-05 09:00'],
      [sh('2026-12-31 18:00'), '1月5日', '2026-01-05 09:00'],
    ];
    test.each(cases)('at %p: %s', (now, text, expected) => {
      expect(parseChineseDateTime(text, now)).toEqual(sh(expected));
    });
  });
});

describe('validatePainPoint', () => {
  const ok: PainPointRecord = {
    worries: ['价格', '交付', '售后'],
    deliverables: ['方案'],
    nextContactAt: sh('2026-11-30 15:00'),
    nextContactText: '11月30日 15:00',
  };

  test('a complete record has no problems', () => {
    expect(validatePainPoint(ok, NOW)).toEqual([]);
  });

  test('a stored record becomes invalid once its time has passed', () => {
    expect(validatePainPoint(ok, sh('2026-11-30 15:00')).map((p) => p.code)).toEqual(['next_contact_past']);
  });

  test('an empty record lists every part, in form order', () => {
    expect(validatePainPoint({}, NOW).map((p) => p.part)).toEqual(['worries', 'deliverables', 'nextContact']);
  });

  test('a time without its text is shown as understood', () => {
    const problems = validatePainPoint({ ...ok, nextContactText: undefined, nextContactAt: sh('2026-11-26 15:00') }, NOW);
    expect(problems[0].message).toContain('11月26日（周四）15:00');
  });
});

describe('formatRecord, diffRecords, mergeRecord', () => {
  const v1: PainPointRecord = {
    worries: ['价格太高', '交付周期长', '售后响应慢'],
    deliverables: ['3天内发方案'],
    nextContactAt: sh('2026-11-30 15:00'),
    nextContactText: '下周一下午3点',
  };

  test('formatRecord shows the next contact as understood, with its weekday', () => {
    expect(formatRecord(v1)).toBe(
      '客户最焦虑的3个问题：\n1. 价格太高\n2. 交付周期长\n3. 售后响应慢\n现场承诺的交付物：\n1. 3天内发方案\n下次联系时间：11月30日（周一）15:00',
    );
    expect(formatRecord({ ...v1, nextContactAt: sh('2027-01-05 09:00') }, NOW)).toContain('2027年1月5日（周二）09:00');
  });

  test('the same content reworded, reordered or re-spaced is no change', () => {
    const same = { ...v1, worries: ['交付周期长', '售后 响应慢', '价格太高。'], nextContactText: '11月30日 15:00' };
    expect(diffRecords(v1, same)).toEqual({
      changed: [],
      worries: { added: [], removed: [] },
      deliverables: { added: [], removed: [] },
      nextContact: null,
    });
    expect(formatDiff(diffRecords(v1, same))).toBe('');
  });

  test('changed parts are named with what was added and removed', () => {
    const v2 = { ...v1, worries: ['价格太高', '交付周期长', '数据安全'], deliverables: ['3天内发方案', '周五前发报价单'], nextContactAt: sh('2026-12-01 09:00') };
    const diff = diffRecords(v1, v2);
    expect(diff.changed).toEqual(['worries', 'deliverables', 'nextContact']);
    expect(diff.worries).toEqual({ added: ['数据安全'], removed: ['售后响应慢'] });
    expect(diff.deliverables).toEqual({ added: ['周五前发报价单'], removed: [] });
    expect(formatDiff(diff)).toBe(
      '客户最焦虑的3个问题：新增“数据安全”，删除“售后响应慢”；现场承诺的交付物：新增“周五前发报价单”；下次联系时间：11月30日（周一）15:00 → 12月1日（周二）09:00',
    );
  });

  test('an edit that resends only one part keeps the others', () => {
    const patch = parsePainPointMessage('下次联系：下周二上午10点', NOW);
    expect(patch.ok).toBe(false);
    const merged = mergeRecord(v1, patch.record);
    expect(merged).toEqual({ ...v1, nextContactAt: sh('2026-12-01 10:00'), nextContactText: '下周二上午10点' });
    expect(diffRecords(v1, merged).changed).toEqual(['nextContact']);
    expect(validatePainPoint(merged, NOW)).toEqual([]);
  });
});

describe('guided conversation', () => {
  /** Plays a conversation; the state goes through JSON between messages, as it does through the database. */
  function play(messages: string[], now: Date = NOW, customer?: string): { start: string; turns: PainPointTurn[] } {
    const started = startPainPointConversation(customer);
    let state: PainPointConversationState = started.state;
    const turns: PainPointTurn[] = [];
    for (const text of messages) {
      const turn = applyAnswer(JSON.parse(JSON.stringify(state)) as PainPointConversationState, text, now);
      turns.push(turn);
      state = turn.state;
    }
    return { start: started.reply, turns };
  }

  test('the steps are the three parts, asked in form order', () => {
    expect(painPointSteps.map((s) => s.key)).toEqual(['worries', 'deliverables', 'nextContact']);
    expect(painPointSteps.map((s) => s.label)).toEqual(['客户最焦虑的3个问题', '现场承诺的交付物', '下次联系时间']);
  });

  test('each step parses an answer on its own', () => {
    expect(painPointSteps[0].parse('价格贵，交付慢', NOW, 2)).toEqual({ ok: true, value: ['价格贵', '交付慢'] });
    expect(painPointSteps[1].parse('没有', NOW)).toMatchObject({ ok: false, problem: { code: 'deliverables_missing' } });
    expect(painPointSteps[2].parse('明天下午3点', NOW)).toEqual({ ok: true, value: { at: sh('2026-11-28 15:00'), text: '明天下午3点' } });
    expect(painPointSteps[2].parse('昨天', NOW)).toMatchObject({ ok: false, problem: { code: 'next_contact_past' } });
  });

  test('three worries in one answer, then one answer per step', () => {
    const { start, turns } = play(['价格高；交付慢；售后差', '3天内发方案、周一前发报价单', '明天下午3点'], NOW, '华夏医疗');
    expect(start).toBe(
      '开始填写“华夏医疗”的客户痛点记录，共3项，随时回复“取消”可退出。\n\n第1/3项：客户最焦虑的3个问题是什么？可以一次发3条（换行或用“；”隔开），也可以一条一条发。',
    );
    expect(turns.map((t) => [t.state.step, t.done])).toEqual([[1, false], [2, false], [3, true]]);
    expect(turns[0].reply).toBe('好的，3个担忧已记下。\n\n第2/3项：现场承诺了客户哪些交付物？至少1项，例如：3天内发方案；周一前发报价单。');
    expect(turns[1].reply).toBe('好的，已记下2项交付物。\n\n第3/3项：下次什么时候联系客户？例如：明天下午3点、下周一上午10点、下周三 15:00。');
    const last = turns[2];
    expect(last.record).toEqual({
      worries: ['价格高', '交付慢', '售后差'],
      deliverables: ['3天内发方案', '周一前发报价单'],
      nextContactAt: sh('2026-11-28 15:00'),
      nextContactText: '明天下午3点',
    });
    expect(last.cancelled).toBe(false);
    expect(last.reply).toBe(`客户痛点记录已填写完整：\n${formatRecord(last.record!, NOW)}`);
    expect(last.state.answers.nextContactAt).toBe('2026-11-28T07:00:00.000Z');
  });

  test('worries one at a time, a repeat and an overflow are re-asked, wrong times are explained', () => {
    const { turns } = play([
      '价格太高',
      '交付周期长 [捂脸]',
      '交付周期长',
      '售后响应慢、培训',
      '售后响应慢',
      '没有',
      '答应：3天内发方案',
      '过几天吧',
      '昨天下午',
      '下周一上午10点',
    ]);
    const replies = turns.map((t) => t.reply);
    expect(replies[0]).toBe('记下了：\n1. 价格太高\n还差2个担忧，请继续发送（可以一次发多个）。');
    expect(replies[1]).toBe('记下了：\n1. 价格太高\n2. 交付周期长\n还差1个担忧，请继续发送（可以一次发多个）。');
    expect(replies[2]).toBe('“交付周期长”已经记过了，请发一个不同的担忧。\n\n记下了：\n1. 价格太高\n2. 交付周期长\n还差1个担忧，请继续发送（可以一次发多个）。');
    // the second miss in a row reminds how to leave
    expect(replies[3]).toMatch(/^已经记了2个担忧，这次又发了2个，超过了3个。请只发还差的1个。[\s\S]*（回复“取消”可退出）$/);
    expect(turns[3].state.answers.worries).toEqual(['价格太高', '交付周期长']);
    expect(turns[4].state).toMatchObject({ step: 1, misses: 0 });
    expect(replies[5]).toBe('现场承诺的交付物是必填的。\n\n第2/3项：现场承诺了客户哪些交付物？至少1项，例如：3天内发方案；周一前发报价单。');
    expect(turns[6].state.answers.deliverables).toEqual(['3天内发方案']);
    expect(replies[7]).toMatch(/^下次联系时间“过几天吧”不够具体，请写到哪天几点/);
    expect(replies[8]).toMatch(/^下次联系时间“昨天下午”（11月26日（周四）14:00）已经过去，请填写将来的时间\n\n第3\/3项：.*（回复“取消”可退出）$/);
    expect(turns[8].state.step).toBe(2);
    expect(turns[9]).toMatchObject({ done: true, record: { nextContactAt: sh('2026-11-30 10:00'), worries: ['价格太高', '交付周期长', '售后响应慢'] } });
  });

  test('取消 at any step ends it without a record', () => {
    const runs: [string[], string][] = [
      [[], '取消'],
      [['价格；交付；售后'], '算了'],
      [['价格；交付；售后', '方案'], '不填了。'],
    ];
    for (const [before, cancel] of runs) {
      const { turns } = play([...before, cancel]);
      const last = turns[turns.length - 1];
      expect(last).toMatchObject({ done: true, cancelled: true, reply: '已取消填写客户痛点记录，刚才的内容没有保存。' });
      expect(last.record).toBeUndefined();
      expect(last.state.step).toBe(-1);
    }
    const after = applyAnswer(play(['取消']).turns[0].state, '价格', NOW);
    expect(after).toMatchObject({ done: true, cancelled: true, reply: '这份客户痛点记录已经结束了。' });
  });

  test('isCancel takes only a cancel on its own', () => {
    for (const t of ['取消', '取消。', ' 算了吧 ', '不填了', '退出', 'Cancel', '取消👌', '取消填写']) expect(isCancel(t)).toBe(true);
    for (const t of ['客户担心取消订单', '取消费太高', '好的', '']) expect(isCancel(t)).toBe(false);
  });

  test('an answer with a common word first (交付 慢) is an answer, not a label', () => {
    const { turns } = play(['交付 慢', '价格高', '售后差']);
    expect(turns[2]).toMatchObject({ state: { step: 1, answers: { worries: ['交付慢', '价格高', '售后差'], deliverables: [] } } });
  });

  test('the whole form pasted at the first question completes it at once', () => {
    const { turns } = play(['痛点：价格；交付；售后\n承诺：方案\n下次联系：明天下午3点']);
    expect(turns[0]).toMatchObject({ done: true, record: { worries: ['价格', '交付', '售后'], deliverables: ['方案'], nextContactAt: sh('2026-11-28 15:00') } });
  });

  test('a pasted form with a missing worry keeps the rest and asks only for what is missing', () => {
    const { turns } = play(['痛点：价格；交付\n承诺：方案\n下次联系：明天下午3点', '售后']);
    expect(turns[0].reply).toBe('记下了：\n1. 价格\n2. 交付\n还差1个担忧，请继续发送（可以一次发多个）。');
    expect(turns[0].state.answers.deliverables).toEqual(['方案']);
    expect(turns[1]).toMatchObject({ done: true, record: { worries: ['价格', '交付', '售后'] } });
  });

  test('a pasted part that is wrong is explained and asked again', () => {
    const { turns } = play(['价格；交付；售后', '承诺：方案\n下次联系：昨天']);
    expect(turns[1].reply).toMatch(/^下次联系时间“昨天”（11月26日（周四）09:00）已经过去，请填写将来的时间\n\n第3\/3项：/);
    expect(turns[1].state).toMatchObject({ step: 2, answers: { deliverables: ['方案'], nextContactAt: null } });
  });

  test('a time that passes while the rep is answering is asked again', () => {
    const started = startPainPointConversation();
    let state = applyAnswer(started.state, '价格；交付；售后', NOW).state;
    state = applyAnswer(state, '方案', NOW).state;
    const turn = applyAnswer(state, '11点', sh('2026-11-27 10:59'));
    expect(turn).toMatchObject({ done: true, record: { nextContactAt: sh('2026-11-27 11:00') } });
    expect(started.reply).toMatch(/^开始填写客户痛点记录/);
  });
});
