/**
 * Issue 9, long sessions (default run): 2 minutes of fake-microphone speech; utterance
 * count as expected, page and worker memory flat after warm-up, history bounded.
 * The 30-minute version: `npm run soak` (test/soak/).
 */
import { expect, test } from 'vitest';
import { runMicSoak } from '../soak/mic-soak';

test(`${Number(process.env.SOAK_MINUTES ?? 2)}-minute fake-microphone session: every utterance reported, memory flat`, async () => {
  const report = await runMicSoak(Number(process.env.SOAK_MINUTES ?? 2), (line) => console.log(`[soak] ${line}`));
  expect(report.utterances).toBeGreaterThan(report.expected - 4);
}, 600_000);
