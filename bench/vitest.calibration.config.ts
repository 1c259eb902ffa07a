import { defineConfig } from 'vitest/config';

// Runs bench/calibration-fit.bench.ts alone (not part of any test suite): prints timings, asserts nothing.
export default defineConfig({ test: { include: ['bench/calibration-fit.bench.ts'], environment: 'node', testTimeout: 300_000 } });
