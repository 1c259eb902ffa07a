import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { folderOf, manifestPath, parseModelIndex, startingManifest, urlWithModel } from '../../src/app/model-index';
import { parseSamplesIndex, sha256Hex } from '../../src/app/samples-index';

const MODELS = new URL('../../public/models/', import.meta.url);
const SAMPLES = new URL('../../public/samples/', import.meta.url);
const PAGE = 'https://app.example/ser/?backend=wasm';

describe('public/models/index.json', () => {
  test('lists exactly the shipped model folders, each named as its manifest says; one default, the folder the page starts with', () => {
    const entries = parseModelIndex(JSON.parse(readFileSync(new URL('index.json', MODELS), 'utf8')));
    const folders = readdirSync(MODELS).filter((f) => statSync(new URL(f, MODELS)).isDirectory());
    expect(entries.map((e) => e.folder).sort()).toEqual(folders.sort());
    for (const e of entries) {
      const m = JSON.parse(readFileSync(new URL(`${e.folder}/manifest.json`, MODELS), 'utf8'));
      expect(e.name).toBe(m.name);
    }
    expect(entries.filter((e) => e.default).map((e) => e.folder)).toEqual(['default']);
    expect(startingManifest(PAGE, null)).toBe(manifestPath('default'));
  });

  test('a bad entry is a clear error naming the entry and field', () => {
    const ok = { name: 'a', folder: 'a', description: 'd', default: true };
    expect(() => parseModelIndex({})).toThrow(/no "models" array/);
    expect(() => parseModelIndex({ models: [ok, { ...ok, folder: '../x', default: false }] })).toThrow(/entry 2: "folder" must be a plain folder name/);
    expect(() => parseModelIndex({ models: [ok, { folder: 'b', description: 'd' }] })).toThrow(/entry 2: "name"/);
    expect(() => parseModelIndex({ models: [ok, { ...ok, name: 'b' }] })).toThrow(/folder twice/);
    expect(() => parseModelIndex({ models: [{ ...ok, default: false }] })).toThrow(/exactly one model as default \(found 0\)/);
    expect(() => parseModelIndex({ models: [{ ...ok, default: 'yes' }] })).toThrow(/"default" must be true or false/);
  });

  test('starting model: ?model= first, then the remembered folder (if it is a plain name), then the default', () => {
    expect(startingManifest(`${PAGE}&model=https%3A%2F%2Fm.example%2Fx%2Fmanifest.json`, 'resemblyzer-emodb')).toBe('https://m.example/x/manifest.json');
    expect(startingManifest(PAGE, 'resemblyzer-emodb')).toBe('models/resemblyzer-emodb/manifest.json');
    expect(startingManifest(PAGE, '../../evil')).toBe('models/default/manifest.json');
  });

  test('folders from manifest URLs, and the URL after a choice', () => {
    expect(folderOf('models/default/manifest.json', PAGE)).toBe('default');
    expect(folderOf('https://app.example/ser/models/resemblyzer-emodb/manifest.json', PAGE)).toBe('resemblyzer-emodb');
    expect(folderOf('fixtures/models/tiny/manifest.json', PAGE)).toBeNull();
    expect(folderOf('https://other.example/ser/models/default/manifest.json', PAGE)).toBeNull();
    const u = new URL(urlWithModel(PAGE, 'resemblyzer-emodb'));
    expect(u.searchParams.get('model')).toBe('models/resemblyzer-emodb/manifest.json');
    expect(u.searchParams.get('backend')).toBe('wasm');
  });
});

describe('public/samples', () => {
  test('index.json lists every WAV there with its checksum, RAVDESS source and licence; 16 kHz mono 16-bit, a few seconds', async () => {
    const idx = parseSamplesIndex(JSON.parse(readFileSync(new URL('index.json', SAMPLES), 'utf8')));
    const wavs = readdirSync(SAMPLES).filter((f) => f.endsWith('.wav'));
    expect(idx.samples.map((s) => s.file).sort()).toEqual(wavs.sort());
    expect(idx.licence.url).toBe('https://creativecommons.org/licenses/by-nc-sa/4.0/');
    expect(idx.corpus.url).toBe('https://doi.org/10.5281/zenodo.1188976');
    expect(idx.attribution).toMatch(/Livingstone & Russo \(2018\)/);
    expect(existsSync(new URL('README.md', SAMPLES))).toBe(true);
    for (const s of idx.samples) {
      const bytes = readFileSync(new URL(s.file, SAMPLES));
      expect(await sha256Hex(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength))).toBe(s.sha256);
      expect(s.source).toMatch(/^RAVDESS 03-01-0[1-8]-0[12]-0[12]-0[12]-\d\d\.wav/);
      expect(s.licence).toBe('CC BY-NC-SA 4.0');
      // RIFF header: PCM, 1 channel, 16000 Hz, 16 bits; 1-6 s of audio.
      const v = new DataView(bytes.buffer, bytes.byteOffset);
      expect([v.getUint16(20, true), v.getUint16(22, true), v.getUint32(24, true), v.getUint16(34, true)]).toEqual([1, 1, 16000, 16]);
      const seconds = (bytes.byteLength - 44) / 32000;
      expect(seconds).toBeGreaterThan(1);
      expect(seconds).toBeLessThan(6);
    }
    // One clip per class of the default model.
    const labels = JSON.parse(readFileSync(new URL('default/manifest.json', MODELS), 'utf8')).labels;
    expect(idx.samples.map((s) => s.label).sort()).toEqual([...labels].sort());
  });

  test('a bad samples list is a clear error', () => {
    const good = JSON.parse(readFileSync(new URL('index.json', SAMPLES), 'utf8'));
    expect(() => parseSamplesIndex({ ...good, samples: [{ ...good.samples[0], file: '../x.wav' }] })).toThrow(/sample 1: "file"/);
    expect(() => parseSamplesIndex({ ...good, samples: [{ ...good.samples[0], sha256: 'x' }] })).toThrow(/sample 1: "sha256"/);
    expect(() => parseSamplesIndex({ ...good, licence: {} })).toThrow(/samples licence: "name"/);
  });
});
