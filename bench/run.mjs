#!/usr/bin/env node
// `npm run bench [-- --quick] [-- --models=small,wavlm]`: builds the bench page (vite, into
// bench/.dist) and the Node runner (vite SSR build of bench/runner.ts, into bench/.dist-node),
// then runs it. Plain JS so it needs no TypeScript loader; everything else is TypeScript.
import { build } from 'vite';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { join } from 'node:path';

const repo = fileURLToPath(new URL('..', import.meta.url));
process.chdir(repo);
await build({ configFile: join(repo, 'bench/vite.config.ts') });
await build({
  configFile: false,
  root: repo,
  logLevel: 'warn',
  build: {
    ssr: join(repo, 'bench/runner.ts'),
    outDir: join(repo, 'bench/.dist-node'),
    emptyOutDir: true,
    target: 'node20',
    rollupOptions: { output: { entryFileNames: 'runner.mjs' } },
  },
});
const { main } = await import(pathToFileURL(join(repo, 'bench/.dist-node/runner.mjs')).href);
await main(process.argv.slice(2));
