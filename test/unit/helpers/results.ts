/** A plain finished-utterance result for store/UI tests; `patch` overrides any field. */
import type { UtteranceResult } from '../../../src/results/types';

export function fakeResult(i: number, patch: Partial<UtteranceResult> = {}): UtteranceResult {
  return {
    id: `u${i}`,
    source: 'mic',
    startS: i,
    endS: i + 1,
    labels: ['a', 'b'],
    probabilities: [0.4, 0.6],
    at: 0,
    backend: 'wasm',
    inferenceMs: 1,
    ...patch,
  };
}
