import { describe, expect, test } from 'vitest';
import { RequestScheduler, type ScheduledRequest } from '../../src/model/scheduler.ts';

function harness() {
  const log: string[] = [];
  const gates: Array<() => void> = [];
  const s = new RequestScheduler<ScheduledRequest>(
    (r) =>
      new Promise<void>((resolve) => {
        log.push(`start ${r.id}`);
        gates.push(() => {
          log.push(`end ${r.id}`);
          resolve();
        });
      }),
    (r) => log.push(`superseded ${r.id}`),
  );
  const flush = () => new Promise((r) => setTimeout(r, 0));
  const release = async () => {
    gates.shift()?.();
    await flush();
  };
  return { s, log, release, flush };
}

describe('RequestScheduler', () => {
  test('one at a time, in order; a waiting provisional is superseded by a newer provisional', async () => {
    const { s, log, release, flush } = harness();
    s.submit({ id: 1, kind: 'final' });
    s.submit({ id: 2, kind: 'provisional' });
    s.submit({ id: 3, kind: 'provisional' });
    await flush();
    expect(log).toEqual(['start 1', 'superseded 2']);
    await release();
    await release();
    expect(log).toEqual(['start 1', 'superseded 2', 'end 1', 'start 3', 'end 3']);
  });

  test('a final supersedes waiting provisionals but never another final', async () => {
    const { s, log, release, flush } = harness();
    s.submit({ id: 1, kind: 'provisional' });
    s.submit({ id: 2, kind: 'final' });
    s.submit({ id: 3, kind: 'provisional' });
    s.submit({ id: 4, kind: 'final' });
    s.submit({ id: 5, kind: 'final' });
    await flush();
    // 1 is already running, so it completes; 3 waits behind final 2 and is dropped by final 4
    expect(log).toEqual(['start 1', 'superseded 3']);
    for (let i = 0; i < 4; i++) await release();
    expect(log.filter((l) => l.startsWith('end'))).toEqual(['end 1', 'end 2', 'end 4', 'end 5']);
  });

  test('a failing request does not stop the queue', async () => {
    const done: number[] = [];
    const s = new RequestScheduler<ScheduledRequest>(
      async (r) => {
        if (r.id === 1) throw new Error('boom');
        done.push(r.id);
      },
      () => undefined,
    );
    s.submit({ id: 1, kind: 'final' });
    s.submit({ id: 2, kind: 'final' });
    await new Promise((r) => setTimeout(r, 5));
    expect(done).toEqual([2]);
  });
});
