import { describe, expect, test, vi } from 'vitest';
import { postOrFallback, postSafely, type WorkerPostTarget } from '../../src/model/worker-post.ts';
import type { FromWorker } from '../../src/model/protocol.ts';

/** A target that structured-clones each message first, as postMessage does (throws where the browser would). */
class CloningTarget implements WorkerPostTarget {
  readonly sent: FromWorker[] = [];
  postMessage(message: FromWorker): void {
    structuredClone(message); // Node's structured clone: the same algorithm (and the same stack limit) as the browser's
    this.sent.push(message);
  }
}

describe('worker postMessage guard', () => {
  test('a ready message too deeply nested to clone becomes an init-error the page receives', () => {
    vi.spyOn(console, 'error').mockImplementation(() => undefined);
    let deep: Record<string, unknown> = {};
    for (let i = 0; i < 200_000; i++) deep = { a: deep };
    const target = new CloningTarget();
    const ready = { type: 'ready', manifest: { metrics: { config: deep } }, manifestUrl: 'https://app/m.json', backend: {}, loadMs: 1 } as unknown as FromWorker;
    expect(postSafely(target, ready)).toBe(false);
    postOrFallback(target, ready, () => ({ type: 'init-error', error: { name: 'ModelLoadError', code: 'invalid-manifest', message: 'm.json could not be passed' } }));
    expect(target.sent).toEqual([{ type: 'init-error', error: { name: 'ModelLoadError', code: 'invalid-manifest', message: 'm.json could not be passed' } }]);
  });

  test('ordinary messages pass through', () => {
    const target = new CloningTarget();
    postOrFallback(target, { type: 'progress', event: { status: 'initiate', file: 'h.onnx', total: 1 } }, () => {
      throw new Error('not used');
    });
    expect(target.sent).toHaveLength(1);
  });
});
