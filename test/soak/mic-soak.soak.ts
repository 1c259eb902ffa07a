/**
 * 30-minute fake-microphone soak (not in the default run): `npm run soak`.
 * SOAK_MINUTES overrides the length.
 */
import { expect, test } from 'vitest';
import { PERIOD_S, runMicSoak } from './mic-soak';

const minutes = Number(process.env.SOAK_MINUTES ?? 30);

test(`${minutes}-minute fake-microphone session: every utterance reported, memory flat`, async () => {
  const report = await runMicSoak(minutes, (line) => console.log(`[soak] ${line}`));
  expect(report.utterances).toBeGreaterThan((0.8 * minutes * 60) / PERIOD_S);
}, (minutes + 5) * 60_000);
