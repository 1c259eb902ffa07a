import { afterEach, expect, test, vi } from 'vitest';
import { Emitter } from '../../src/emitter';

interface Events {
  a: number;
  b: { text: string };
}

afterEach(() => vi.useRealTimers());

test('typed events reach their listeners in order; off and the returned unsubscribe remove one', () => {
  const e = new Emitter<Events>();
  const seen: string[] = [];
  const first = (n: number) => seen.push(`1:${n}`);
  e.on('a', first);
  const un = e.on('a', (n) => seen.push(`2:${n}`));
  e.on('b', (b) => seen.push(`b:${b.text}`));
  e.emit('a', 1);
  e.emit('b', { text: 'x' });
  un();
  e.off('a', first);
  e.emit('a', 2);
  expect(seen).toEqual(['1:1', '2:1', 'b:x']);
  expect(e.count()).toBe(1);
  e.clear();
  expect(e.count()).toBe(0);
});

test('a throwing listener does not stop the others; its error is rethrown asynchronously', () => {
  vi.useFakeTimers();
  const e = new Emitter<Events>();
  const seen: number[] = [];
  e.on('a', () => {
    throw new Error('listener bug');
  });
  e.on('a', (n) => seen.push(n));
  e.emit('a', 7);
  expect(seen).toEqual([7]);
  expect(() => vi.runAllTimers()).toThrow('listener bug');
});
