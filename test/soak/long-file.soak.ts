/** The whole 2-hour WAV through the app (`npm run soak`): every utterance found, memory bounded. */
import { test } from 'vitest';
import { runLongFile } from './long-file';

test('2-hour WAV analysed in full', async () => {
  await runLongFile(undefined, (line) => console.log(`[long] ${line}`));
}, 3_600_000);
