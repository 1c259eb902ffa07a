/**
 * Issue 9, the 2-hour file (default run): streamed in chunks, memory bounded, page
 * responsive, progress shown; the first LONG_FILE_S seconds (default 600) of it are
 * analysed here, the whole file by `npm run soak` (test/soak/long-file.soak.ts).
 */
import { test } from 'vitest';
import { runLongFile } from '../soak/long-file';

test('2-hour WAV: decoded in chunks, memory bounded, page responsive', async () => {
  await runLongFile(Number(process.env.LONG_FILE_S ?? 600), (line) => console.log(`[long] ${line}`));
}, 600_000);
