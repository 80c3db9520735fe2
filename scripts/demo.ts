/** `npm run demo`: plays the story in a headless sandbox, prints the timeline, exits 0 only if every step happened. */
import { playStory } from '../app/demo-story';

playStory()
  .then((results) => process.exit(results.every((r) => r.ok) ? 0 : 1))
  .catch((err) => {
    console.error(err);
    process.exit(1);
  });
