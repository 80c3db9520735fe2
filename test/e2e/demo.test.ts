/** `npm run demo` as an end-to-end test: the whole story, every step must happen. */
import { playStory } from '../../app/demo-story';

jest.setTimeout(180_000);

it('plays the article’s story in the sandbox, every step as expected', async () => {
  const lines: string[] = [];
  const results = await playStory((l) => lines.push(l));
  const failed = results.filter((r) => !r.ok);
  if (failed.length) console.log(lines.join('\n'));
  expect(failed.map((r) => r.step)).toEqual([]);
  expect(results.length).toBeGreaterThanOrEqual(14);
});
