/**
 * `npm run demo -- --channel dingtalk` as an end-to-end test (issue 12): the whole story on DingTalk — members type
 * to the robot and press interactive cards through the fake DingTalk (Stream frames), the bot answers through the
 * DingTalk channel — and every step must happen, as on WeCom.
 */
import { playStory, storyStart } from '../../app/demo-story';

jest.setTimeout(180_000);

it('plays the article’s story on DingTalk, every step as expected', async () => {
  const lines: string[] = [];
  const results = await playStory((l) => lines.push(l), storyStart({}), 'dingtalk');
  const failed = results.filter((r) => !r.ok);
  if (failed.length) console.log(lines.join('\n'));
  expect(failed.map((r) => r.step)).toEqual([]);
  expect(results.length).toBeGreaterThanOrEqual(14);
  expect(lines[0]).toContain('钉钉');
});
