/**
 * Build config for test/e2e/pwa.e2e.ts: the app's own config plus one changed app file
 * (src/main.tsx marks the page `data-build="B"`), i.e. a new deployment of the same app.
 */
import { mergeConfig, type Plugin } from 'vite';
import base from '../../vite.config.ts';

const marker: Plugin = {
  name: 'e2e-build-marker',
  transform(code, id) {
    if (id.endsWith('/src/main.tsx')) return { code: `${code}\ndocument.documentElement.dataset.build = 'B';\n`, map: null };
  },
};

export default mergeConfig(base, { plugins: [marker] });
