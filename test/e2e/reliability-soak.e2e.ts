/**
 * Issue 9, long sessions (default run): 2 minutes of fake-microphone speech; utterance
 * count as expected, page and worker memory flat after warm-up, history bounded.
 * The 30-minute version: `npm run soak` (test/soak/).
 */
import { expect, test } from 'vitest';
import { PERIOD_S, runMicSoak } from '../soak/mic-soak';

const minutes = Number(process.env.SOAK_MINUTES ?? 2);

test(`${minutes}-minute fake-microphone session: every utterance reported, memory flat`, async () => {
  const report = await runMicSoak(minutes, (line) => console.log(`[soak] ${line}`));
  expect(report.utterances).toBeGreaterThan((0.8 * minutes * 60) / PERIOD_S);
}, 600_000);
