import { expect, test } from 'vitest';
import pkg from '../../package.json';

test('runtime dependencies are the ones the product is built on', () => {
  expect(Object.keys(pkg.dependencies)).toEqual(expect.arrayContaining(['onnxruntime-web', 'react', 'react-dom', 'zustand']));
});
