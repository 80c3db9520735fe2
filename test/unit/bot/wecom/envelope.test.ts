import { readOuter, toEvent } from '../../../../bot/wecom/envelope';
import { CallbackMalformedError } from '../../../../bot/errors';
import { dedupeKey } from '../../../../bot/wecom/events';

const head = '<ToUserName><![CDATA[wwcorp]]></ToUserName><FromUserName><![CDATA[zhangsan]]></FromUserName><CreateTime>1700000000</CreateTime><AgentID>1000002</AgentID>';

describe('envelope parsing', () => {
  it('maps a card click with one selection to arrays (SelectedItems and OptionIds)', () => {
    const e = toEvent(`<xml>${head}<MsgType><![CDATA[event]]></MsgType><Event><![CDATA[template_card_event]]></Event>` +
      '<EventKey><![CDATA[stage:negotiating]]></EventKey><TaskId><![CDATA[t1]]></TaskId><CardType><![CDATA[vote_interaction]]></CardType>' +
      '<ResponseCode><![CDATA[rc1]]></ResponseCode><SelectedItems><SelectedItem><QuestionKey><![CDATA[q]]></QuestionKey>' +
      '<OptionIds><OptionId><![CDATA[5]]></OptionId></OptionIds></SelectedItem></SelectedItems></xml>');
    expect(e).toEqual(expect.objectContaining({
      kind: 'event.template_card_event', eventKey: 'stage:negotiating', taskId: 't1', responseCode: 'rc1',
      selectedItems: [{ questionKey: 'q', optionIds: ['5'] }],
    }));
  });

  it('gives a card click without selections an empty array', () => {
    const e = toEvent(`<xml>${head}<MsgType>event</MsgType><Event>template_card_event</Event><EventKey>k</EventKey><TaskId>t</TaskId><CardType>button_interaction</CardType><ResponseCode>r</ResponseCode></xml>`);
    expect(e.kind === 'event.template_card_event' && e.selectedItems).toEqual([]);
  });

  it.each([
    ['image', '<PicUrl>http://p</PicUrl><MediaId>m</MediaId><MsgId>1</MsgId>', 'message.image'],
    ['voice', '<MediaId>m</MediaId><Format>amr</Format><MsgId>1</MsgId>', 'message.voice'],
    ['video', '<MediaId>m</MediaId><ThumbMediaId>t</ThumbMediaId><MsgId>1</MsgId>', 'message.video'],
    ['location', '<Location_X>23.1</Location_X><Location_Y>113.3</Location_Y><Scale>15</Scale><Label>广州</Label><MsgId>1</MsgId>', 'message.location'],
    ['link', '<Title>t</Title><Description>d</Description><Url>http://u</Url><PicUrl>p</PicUrl><MsgId>1</MsgId>', 'message.link'],
  ])('maps a %s message', (type, extra, kind) => {
    expect(toEvent(`<xml>${head}<MsgType>${type}</MsgType>${extra}</xml>`).kind).toBe(kind);
  });

  it.each([
    ['click', '<EventKey>menu_1</EventKey>', 'event.click'],
    ['view', '<EventKey>https://x</EventKey>', 'event.view'],
    ['enter_agent', '<EventKey></EventKey>', 'event.enter_agent'],
    ['template_card_menu_event', '<EventKey>m</EventKey><TaskId>t</TaskId><CardType>text_notice</CardType><ResponseCode>r</ResponseCode>', 'event.template_card_menu_event'],
    ['change_external_contact', '<ChangeType>add_external_contact</ChangeType><UserID>zhangsan</UserID><ExternalUserID>wmX</ExternalUserID>', 'event.change_external_contact'],
    ['change_contact', '<ChangeType>update_user</ChangeType><UserID>lisi</UserID>', 'event.change_contact'],
    ['batch_job_result', '', 'unknown'],
  ])('maps the %s event', (event, extra, kind) => {
    expect(toEvent(`<xml>${head}<MsgType>event</MsgType><Event>${event}</Event>${extra}</xml>`).kind).toBe(kind);
  });

  it('keeps an unknown message type as `unknown` instead of throwing', () => {
    expect(toEvent(`<xml>${head}<MsgType>file</MsgType><MsgId>9</MsgId></xml>`)).toMatchObject({ kind: 'unknown', msgType: 'file' });
  });

  it('keeps a MsgId beyond 2^53 exact', () => {
    const e = toEvent(`<xml>${head}<MsgType>text</MsgType><Content>hi</Content><MsgId>9223372036854775807</MsgId></xml>`);
    expect(e.kind === 'message.text' && e.msgId).toBe('9223372036854775807');
  });

  it('refuses DOCTYPE and ENTITY declarations (XXE, billion laughs)', () => {
    const bomb = '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;">]><xml><Encrypt>&lol2;</Encrypt></xml>';
    expect(() => readOuter(bomb)).toThrow(CallbackMalformedError);
    expect(() => readOuter('<!doctype xml><xml><Encrypt>a</Encrypt></xml>')).toThrow(CallbackMalformedError);
  });

  it('keeps a rep’s pasted HTML (a DOCTYPE inside CDATA) as text instead of refusing the message', () => {
    const e = toEvent(`<xml>${head}<MsgType>text</MsgType><Content><![CDATA[<!DOCTYPE html><p>报价</p>]]></Content><MsgId>2</MsgId></xml>`);
    expect(e.kind === 'message.text' && e.text).toBe('<!DOCTYPE html><p>报价</p>');
  });

  it('does not expand entities in content', () => {
    const e = toEvent(`<xml>${head}<MsgType>text</MsgType><Content>a &amp; b</Content><MsgId>1</MsgId></xml>`);
    expect(e.kind === 'message.text' && e.text).toBe('a &amp; b');
  });

  it.each(['', 'not xml', '<xml><Encrypt>abc</xml>', '<xml></xml>', '<other><Encrypt>a</Encrypt></other>'])(
    'refuses a malformed envelope: %s', (body) => {
      expect(() => readOuter(body)).toThrow(CallbackMalformedError);
    });

  it('distinguishes two different card clicks by the same user in the same second', () => {
    const click = (key: string) => toEvent(`<xml>${head}<MsgType>event</MsgType><Event>template_card_event</Event><EventKey>${key}</EventKey><TaskId>t</TaskId><CardType>button_interaction</CardType><ResponseCode>r-${key}</ResponseCode></xml>`);
    expect(dedupeKey(click('a'))).not.toBe(dedupeKey(click('b')));
    expect(dedupeKey(click('a'))).toBe(dedupeKey(click('a')));
  });

  it('distinguishes two contact changes in the same second for different customers', () => {
    const ext = (id: string) => toEvent(`<xml>${head}<MsgType>event</MsgType><Event>change_external_contact</Event><ChangeType>add_external_contact</ChangeType><UserID>u</UserID><ExternalUserID>${id}</ExternalUserID></xml>`);
    expect(dedupeKey(ext('wm1'))).not.toBe(dedupeKey(ext('wm2')));
  });
});
