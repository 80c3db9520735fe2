/**
 * `npm run demo`: plays the story in a headless sandbox, prints the timeline, exits 0 only if every step happened.
 * `npm run demo -- --channel dingtalk` plays it on the DingTalk sandbox (fake DingTalk, Stream mode).
 */
import { playStory, storyStart } from '../app/demo-story';

const at = process.argv.indexOf('--channel');
const channel = at >= 0 ? process.argv[at + 1] : 'wecom';
if (channel !== 'wecom' && channel !== 'dingtalk') {
  console.error(`--channel must be wecom or dingtalk (got ${String(channel)})`);
  process.exit(2);
}

playStory(console.log, storyStart(), channel)
  .then((results) => process.exit(results.every((r) => r.ok) ? 0 : 1))
  .catch((err) => {
    console.error(err);
    process.exit(1);
  });
