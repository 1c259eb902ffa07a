/**
 * Benchmark runner (Node): builds the models it needs, runs the Python reference and CPU
 * timings, serves the bench page twice (plain: WASM one thread; cross-origin isolated:
 * WASM threads and WebGPU), drives a fresh headless Chromium per cell, and writes
 * bench/results/<date>.json + .md. Started by bench/run.mjs (`npm run bench [-- --quick]`).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { launchBrowser } from '../test/e2e/browser.ts';
import { startStaticServer, type StaticServer } from '../test/e2e/server.ts';
import { processPeaks } from './memory.ts';
import { type ConfigPlan, type ModelKind, type ModelPlan, type VariantFacts, planConfigs, pythonPlan } from './plan.ts';
import type { BenchApi, ClassifyReport, LoadReport, PageMemory } from './protocol.ts';
import { renderMarkdown } from './report.ts';
import { type AudioEntry, type BenchResults, type CellResult, type ChunkingResults, type GpuTorchResults, type PythonResults, summarize } from './results.ts';

// run.mjs changes into the repository root before importing this (bundled) module.
const REPO = resolve(process.cwd());
const MODELS = join(REPO, 'bench/.models');
const PYTHON = join(REPO, '.venv/bin/python');
const DEFAULT_MODEL = join(REPO, 'public/models/default');

interface Args {
  quick: boolean;
  models: ModelKind[];
  /** `--tag=<name>`: suffix of the results file names (keeps another run's files). */
  tag: string;
}

function parseArgs(argv: string[]): Args {
  const quick = argv.includes('--quick');
  const m = argv.find((a) => a.startsWith('--models='));
  const models = (m ? m.slice('--models='.length).split(',') : ['small', 'wavlm']).filter((x): x is ModelKind => x === 'small' || x === 'wavlm');
  const tag = argv.find((a) => a.startsWith('--tag='))?.slice('--tag='.length).replace(/[^A-Za-z0-9_-]/g, '') ?? '';
  return { quick, models, tag };
}

function log(msg: string): void {
  console.log(`[bench ${new Date().toISOString().slice(11, 19)}] ${msg}`);
}

function python(args: string[]): void {
  const r = spawnSync('nice', [PYTHON, ...args], { cwd: REPO, stdio: ['ignore', 'inherit', 'inherit'] });
  if (r.status !== 0) throw new Error(`python ${args.join(' ')} failed (${r.status})`);
}

interface ManifestLite {
  name: string;
  provenance: string;
  upstream: { name: string; variants: (VariantFacts & { bytes: number })[] };
}

function readManifest(dir: string): ManifestLite {
  return JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as ManifestLite;
}

/** The small model: the app's default model when built, else a stand-in with the same upstream. */
function smallModel(quick: boolean): ModelPlan {
  if (existsSync(join(DEFAULT_MODEL, 'manifest.json'))) {
    const m = readManifest(DEFAULT_MODEL);
    // The build command is recorded in the provenance; the upstream's name is the fallback spec.
    const spec = /--upstream\s+(\S+)/.exec(m.provenance)?.[1] ?? m.upstream.name;
    return {
      id: 'default',
      dir: DEFAULT_MODEL,
      manifestUrl: '/default-model/manifest.json',
      spec,
      description: `the app's default model (public/models/default: ${m.name}, upstream ${spec})`,
      ...planConfigs('small', m.upstream.variants, quick),
      python: pythonPlan('small', quick),
    };
  }
  python(['bench/make_models.py', '--models', 'standin-small']);
  const dir = join(MODELS, 'standin-small');
  const m = readManifest(dir);
  return {
    id: 'standin-small',
    dir,
    manifestUrl: '/models/standin-small/manifest.json',
    spec: 'speech_embedding',
    description: 'stand-in for the default model (public/models/default was not built yet): speech_embedding + random corrap head',
    ...planConfigs('small', m.upstream.variants, quick),
    python: pythonPlan('small', quick),
  };
}

function wavlmModel(quick: boolean): ModelPlan {
  python(['bench/make_models.py', '--models', 'wavlm-base-plus']);
  const dir = join(MODELS, 'wavlm-base-plus');
  const m = readManifest(dir);
  return {
    id: 'wavlm-base-plus',
    dir,
    manifestUrl: '/models/wavlm-base-plus/manifest.json',
    spec: 'random:wavlm-base-plus',
    description: 'WavLM Base+ architecture (12 layers x 768, 94 M parameters), random weights + random corrap head',
    ...planConfigs('wavlm', m.upstream.variants, quick),
    python: pythonPlan('wavlm', quick),
  };
}

function runPython(model: ModelPlan): PythonResults {
  const out = join(MODELS, `python-${model.id}.json`);
  const p = model.python;
  log(`python: PyTorch reference + CPU timings for ${model.id}`);
  python([
    'bench/python_bench.py', '--model-dir', model.dir, '--spec', model.spec, '--out', out,
    '--files', String(p.files), '--ort-files', String(p.ortFiles),
    '--torch-lengths', p.torchLengths.join(','), '--ort-lengths', p.ortLengths.join(','),
  ]);
  return JSON.parse(readFileSync(out, 'utf8')) as PythonResults;
}

/** Calls `window.__bench.<method>(arg)` in the page. */
async function call<K extends keyof BenchApi>(page: Page, method: K, arg?: Parameters<BenchApi[K]>[0]): Promise<Awaited<ReturnType<BenchApi[K]>>> {
  return page.evaluate(
    ([m, a]) => (window.__bench[m as keyof BenchApi] as (x: unknown) => Promise<unknown>)(a),
    [method, arg] as const,
  ) as Promise<Awaited<ReturnType<BenchApi[K]>>>;
}

async function runCell(model: ModelPlan, cell: ConfigPlan, audio: AudioEntry[], servers: { plain: StaticServer; isolated: StaticServer }): Promise<CellResult> {
  const t0 = Date.now();
  const elapsed = (): number => (Date.now() - t0) / 1000;
  const result: CellResult = {
    model: model.id, backend: cell.backend, variant: cell.variant, status: 'ok', runs: [], skippedRuns: [], memory: null, loadAverage1m: loadavg()[0],
  };
  const gpu = cell.backend === 'webgpu' || cell.backend === 'auto';
  const server = cell.backend === 'wasm-1' ? servers.plain : servers.isolated;
  let browser: Browser | null = null;
  try {
    browser = await launchBrowser({ webgpu: gpu, args: ['--enable-precise-memory-info', '--enable-blink-features=ForceEagerMeasureMemory'] });
    result.browserVersion = browser.version();
    const page = await (await browser.newContext()).newPage();
    const pageErrors: string[] = [];
    page.on('pageerror', (e) => pageErrors.push(e.message));
    await page.goto(`${server.url}/bench/page.html`);
    await page.waitForFunction(() => '__bench' in window, undefined, { timeout: 30_000 });
    const backend = cell.backend === 'auto' ? 'auto' : cell.backend === 'webgpu' ? 'webgpu' : 'wasm';
    const load: LoadReport = await call(page, 'load', {
      manifestUrl: model.manifestUrl,
      backend,
      ...(cell.variant ? { variant: cell.variant } : {}),
    });
    result.load = load;
    if (cell.backend === 'auto') result.variant = load.choice.variant;
    if (cell.variant && load.choice.variant !== cell.variant) {
      throw new Error(`asked for ${cell.variant} but the client loaded ${load.choice.variant} (${load.choice.reason})`);
    }
    if (backend !== 'auto' && load.choice.backend !== backend) {
      throw new Error(`asked for ${backend} but the client chose ${load.choice.backend} (${load.choice.reason})`);
    }
    const files = audio.filter((a) => a.kind === 'emodb').slice(0, cell.files);
    // First request after load: still cold for this input shape (WebGPU compiles per shape).
    const first: ClassifyReport = await call(page, 'classify', files[0].id);
    result.firstRunMs = first.latencyMs;
    let last = first.latencyMs;
    for (const f of files) {
      if (elapsed() + last / 1000 > cell.budgetS) {
        result.skippedRuns.push({ audioId: f.id, reason: `time budget ${cell.budgetS} s` });
        continue;
      }
      const r: ClassifyReport = await call(page, 'classify', f.id);
      result.runs.push(r);
      last = r.latencyMs;
    }
    let perSecond = last / 2;
    for (const sec of cell.lengths) {
      const id = `long-${sec}s`;
      for (let i = 0; i < cell.reps; i++) {
        const predicted = perSecond * sec;
        if (elapsed() + predicted / 1000 > cell.budgetS) {
          result.skippedRuns.push({ audioId: id, reason: `time budget ${cell.budgetS} s (predicted ${(predicted / 1000).toFixed(0)} s)` });
          break;
        }
        const r: ClassifyReport = await call(page, 'classify', id);
        result.runs.push(r);
        perSecond = r.latencyMs / sec;
      }
    }
    // After the runs (outside the budget): measuring can wait for a garbage collection.
    const memSamples: PageMemory[] = [await call(page, 'memory')];
    const peaks = await processPeaks(browser);
    const heap = (k: keyof PageMemory): number | null => {
      const xs = memSamples.map((m) => m[k]).filter((x): x is number => x !== null);
      return xs.length ? Math.max(...xs) : null;
    };
    result.memory = { ...peaks, mainJsHeapBytes: heap('mainJsHeapBytes'), uaMemoryBytes: heap('uaMemoryBytes') };
    await call(page, 'dispose');
    if (pageErrors.length) result.pageErrors = pageErrors;
  } catch (e) {
    result.status = 'failed';
    result.reason = e instanceof Error ? e.message.split('\n')[0] : String(e);
  } finally {
    await browser?.close().catch(() => undefined);
  }
  result.wallS = elapsed();
  return result;
}

function dateStamp(): string {
  return new Date().toISOString().slice(0, 10);
}

/** The newest GPU reference file in bench/results (see bench/gpu_torch.py), if any. */
function gpuTorch(): BenchResults['gpuTorch'] {
  const dir = join(REPO, 'bench/results');
  const files = existsSync(dir) ? readdirSync(dir).filter((f) => /-gpu-torch-.*\.json$/.test(f)).sort() : [];
  const file = files[files.length - 1];
  return file ? { file: `bench/results/${file}`, result: JSON.parse(readFileSync(join(dir, file), 'utf8')) as GpuTorchResults } : undefined;
}

/** `--render=<results.json>`: recompute the summary and rewrite the .json/.md without running. */
function rerender(path: string): void {
  const raw = JSON.parse(readFileSync(path, 'utf8')) as BenchResults;
  const results = { ...summarize(raw), gpuTorch: gpuTorch() };
  writeFileSync(path, JSON.stringify(results, null, 1) + '\n');
  writeFileSync(path.replace(/\.json$/, '.md'), renderMarkdown(results));
  log(`re-rendered ${path}`);
}

export async function main(argv: string[]): Promise<void> {
  const render = argv.find((a) => a.startsWith('--render='));
  if (render) return rerender(resolve(render.slice('--render='.length)));
  const args = parseArgs(argv);
  const started = new Date();
  const loadStart = loadavg();
  log(`mode ${args.quick ? 'quick' : 'full'}; models ${args.models.join(', ')}`);
  python(['bench/make_models.py', '--models', '']); // audio only
  const models = args.models.map((k) => (k === 'small' ? smallModel(args.quick) : wavlmModel(args.quick)));
  const audio = JSON.parse(readFileSync(join(MODELS, 'audio/audio.json'), 'utf8')) as AudioEntry[];
  const pythonResults: Record<string, PythonResults> = {};
  for (const m of models) pythonResults[m.id] = runPython(m);
  const chunking: Record<string, ChunkingResults> = {};
  for (const m of models.filter((x) => x.id === 'wavlm-base-plus' && !args.quick)) {
    const out = join(MODELS, `chunking-${m.id}.json`);
    log(`python: chunked vs whole-utterance upstream for ${m.id}`);
    python(['bench/chunking.py', '--model-dir', m.dir, '--spec', m.spec, '--out', out]);
    chunking[m.id] = JSON.parse(readFileSync(out, 'utf8')) as ChunkingResults;
  }

  const mounts = { '/models/': MODELS, '/audio/': join(MODELS, 'audio'), '/default-model/': DEFAULT_MODEL };
  const root = join(REPO, 'bench/.dist');
  const servers = {
    plain: await startStaticServer({ root, mounts }),
    isolated: await startStaticServer({ root, mounts, isolate: true }),
  };
  const cells: CellResult[] = [];
  try {
    for (const m of models) {
      for (const cell of m.configs) {
        log(`${m.id} ${cell.variant || '(auto)'} on ${cell.backend} ...`);
        const r = await runCell(m, cell, audio, servers);
        cells.push(r);
        const lat = r.runs.filter((x) => x.samples === 32000).map((x) => x.latencyMs);
        log(`  ${r.status}${r.reason ? ` (${r.reason})` : ''}: load ${r.load ? (r.load.totalMs / 1000).toFixed(1) : '-'} s, ` +
          `2-s runs ${lat.map((x) => x.toFixed(0)).join('/')} ms, ${r.wallS?.toFixed(0)} s wall`);
      }
    }
  } finally {
    await servers.plain.close();
    await servers.isolated.close();
  }

  const results: BenchResults = summarize({
    date: started.toISOString(),
    mode: args.quick ? 'quick' : 'full',
    environment: {
      cpu: cpus()[0]?.model ?? 'unknown',
      cores: cpus().length,
      loadAverageStart: loadStart,
      loadAverageEnd: loadavg(),
      node: process.version,
      browser: cells.find((c) => c.browserVersion)?.browserVersion ?? 'unknown',
      onnxruntimeWeb: (JSON.parse(readFileSync(join(REPO, 'node_modules/onnxruntime-web/package.json'), 'utf8')) as { version: string }).version,
      gpu: 'none in the benchmark machine: WebGPU ran on SwiftShader (CPU), so WebGPU numbers are ratios, not GPU speed; see the real-GPU section when present',
      wallMinutes: (Date.now() - started.getTime()) / 60000,
    },
    models: models.map((m) => ({
      id: m.id,
      description: m.description,
      spec: m.spec,
      variants: readManifest(m.dir).upstream.variants.map((v) => ({ id: v.id, bytes: v.bytes, backends: v.backends, requires: v.requires })),
      skipped: m.skipped,
      python: pythonResults[m.id],
      ...(chunking[m.id] ? { chunking: chunking[m.id] } : {}),
    })),
    audio,
    cells,
  });
  results.gpuTorch = gpuTorch();
  const dir = join(REPO, 'bench/results');
  mkdirSync(dir, { recursive: true });
  const base = join(dir, `${dateStamp()}${args.quick ? '-quick' : ''}${args.tag ? `-${args.tag}` : ''}`);
  writeFileSync(`${base}.json`, JSON.stringify(results, null, 1) + '\n');
  writeFileSync(`${base}.md`, renderMarkdown(results));
  log(`wrote ${base}.json and ${base}.md (${results.environment.wallMinutes.toFixed(1)} min)`);
}
