/**
 * The tuner's flow without a browser: armed microphone utterances and corrections become
 * examples, the layer is refitted once every class has enough (with the real fit), switched
 * on/off in the port, stored per model version, exported/imported with validation, forgotten.
 */
import { describe, expect, test } from 'vitest';
import { fitLayer, type FitRecipe, type LinearLayer } from '../../src/calibration/fit';
import { MemoryVoiceStore } from '../../src/calibration/storage';
import { MAX_PER_CLASS, RECENT_LIMIT, VoiceTuner, newestPerClass, type CalibrationState } from '../../src/calibration/tuner';
import { VoiceFileError, exportProfile, importProfile, profileKey } from '../../src/calibration/voice-file';

const LABELS = ['anger', 'neutral'];
const DIM = 3;
const SHIPPED: LinearLayer = { classes: 2, dim: DIM, w: Float64Array.from([1, 0, 0, 0, 1, 0]), b: Float64Array.from([0, 0]) };
const RECIPE: FitRecipe = { method: 'linear', l2: 0.1, steps: 50, lr: 1 };
const MODEL = { name: 'm', version: '1.0', labels: LABELS, dim: DIM, recipe: RECIPE, minPerClass: 2 };

function fakePort() {
  const port = {
    tuned: null as LinearLayer | null,
    fits: 0,
    async fitCalibration(x: Float32Array, y: Int32Array, recipe: FitRecipe) {
      port.fits++;
      return { layer: fitLayer(SHIPPED, { x, y }, recipe), fitMs: 1 };
    },
    setTuned(layer: LinearLayer | null) {
      port.tuned = layer;
    },
  };
  return port;
}

const settle = () => new Promise((r) => setTimeout(r, 0));
const vec = (...v: number[]) => Float32Array.from(v);

function setup(store = new MemoryVoiceStore()) {
  const port = fakePort();
  const states: CalibrationState[] = [];
  const tuner = new VoiceTuner(MODEL, port, store, (s) => states.push(s));
  return { port, store, tuner, states, last: () => states.at(-1) as CalibrationState };
}

describe('VoiceTuner', () => {
  test('armed mic utterances and corrections become examples; tuned once every class has min_per_class', async () => {
    const { port, tuner, store, last } = setup();
    await tuner.restore();
    expect(last()).toMatchObject({ counts: [0, 0], missing: LABELS, tuned: false, active: false });
    tuner.arm('anger');
    tuner.observe('u1', vec(2, 0, 1), 'mic');
    tuner.observe('u2', vec(2, 0, 0), 'file'); // files are never recorded by arming
    tuner.observe('u3', vec(3, 0, 1), 'mic');
    tuner.arm(null);
    tuner.observe('u4', vec(0, 2, 0), 'mic');
    await settle();
    expect(last()).toMatchObject({ counts: [2, 0], missing: ['neutral'], tuned: false, armed: null });
    expect(port.tuned).toBeNull();
    tuner.correct('u4', 'neutral');
    tuner.correct('u2', 'neutral');
    await tuner.fit();
    expect(last()).toMatchObject({ counts: [2, 2], missing: [], tuned: true, enabled: true, active: true });
    expect(port.tuned).not.toBeNull();
    const stored = await store.load({ name: 'm', version: '1.0' });
    expect(stored?.examples.map((e) => [e.label, e.source])).toEqual([
      [0, 'prompt'],
      [0, 'prompt'],
      [1, 'correction'],
      [1, 'correction'],
    ]);
    expect(stored?.tuned?.w).toEqual(port.tuned?.w);
    tuner.setEnabled(false);
    expect(port.tuned).toBeNull();
    expect(last()).toMatchObject({ tuned: true, enabled: false, active: false });
  });

  test('a reload restores the tuned layer; another version of the model does not see it', async () => {
    const a = setup();
    await a.tuner.restore();
    for (const [i, l] of ['anger', 'anger', 'neutral', 'neutral'].entries()) {
      a.tuner.observe(`u${i}`, vec(i, 1 - i, 0.5), 'file');
      a.tuner.correct(`u${i}`, l);
    }
    await a.tuner.fit();
    const b = setup(a.store);
    await b.tuner.restore();
    expect(b.last()).toMatchObject({ counts: [2, 2], active: true });
    expect(b.port.tuned?.b).toEqual(a.port.tuned?.b);
    expect(b.port.fits).toBe(0); // restored, not refitted
    const other = new VoiceTuner({ ...MODEL, version: '1.1' }, fakePort(), a.store, () => undefined);
    await other.restore();
    expect(other.state.counts).toEqual([0, 0]);
    const late = b.tuner.fit(); // a fit in flight when the user forgets must not bring the layer back
    await b.tuner.forget();
    await late;
    expect(b.port.tuned).toBeNull();
    expect(a.store.records.has(profileKey({ name: 'm', version: '1.0' }))).toBe(false);
    expect(b.last()).toMatchObject({ counts: [0, 0], tuned: false, correctable: [] });
  });

  test('memory stays bounded: pooled vectors of the newest results only, examples capped per class', async () => {
    const { tuner, last } = setup();
    for (let i = 0; i < RECENT_LIMIT + 5; i++) tuner.observe(`u${i}`, vec(i, 0, 0), 'file');
    expect(last().correctable).toHaveLength(RECENT_LIMIT);
    expect(() => tuner.correct('u0', 'anger')).toThrow(/no longer kept/);
    tuner.arm('anger');
    for (let i = 0; i < MAX_PER_CLASS + 3; i++) tuner.observe(`m${i}`, vec(i, 0, 0), 'mic');
    await settle();
    expect(last().counts[0]).toBe(MAX_PER_CLASS);
    expect(() => tuner.arm('joy')).toThrow(/not one of/);
    tuner.retain(new Set(['m0', `u${RECENT_LIMIT + 4}`])); // the history was cleared but for these
    expect(last().correctable).toEqual([`u${RECENT_LIMIT + 4}`, 'm0']);
  });

  test('an imported file with more examples per class than the page keeps: the newest are kept and the layer refitted on them', async () => {
    const many = Array.from({ length: MAX_PER_CLASS + 3 }, (_, i) => ({ label: 0, x: vec(i, 0, 1), source: 'prompt' as const, at: 1000 + i }));
    const neutral = [0, 1].map((i) => ({ label: 1, x: vec(0, 1 + i, 0), source: 'correction' as const, at: 5 }));
    const tuned = fitLayer(SHIPPED, { x: vec(9, 9, 9, 0, 0, 0), y: Int32Array.from([0, 1]) }, RECIPE);
    const text = exportProfile({ model: { name: 'm', version: '1.0' }, labels: LABELS, dim: DIM, examples: [...neutral, ...many], tuned, enabled: true });
    const b = setup();
    await b.tuner.import(text);
    expect(b.last()).toMatchObject({ counts: [MAX_PER_CLASS, 2], active: true });
    expect(b.port.fits).toBe(1); // not the file's layer: refitted on the examples kept
    const kept = (await b.store.load({ name: 'm', version: '1.0' }))?.examples ?? [];
    expect(kept.filter((e) => e.label === 0).map((e) => e.at)).toEqual(many.slice(3).map((e) => e.at));
    expect(Array.from(b.port.tuned?.w ?? [])).not.toEqual(Array.from(tuned.w));
    // List order decides, not the clock times a file claims; other classes keep their places.
    const list = [0, 1, 2].map((i) => ({ label: i === 1 ? 1 : 0, x: vec(i, 0, 0), source: 'prompt' as const, at: 9 - i }));
    expect(newestPerClass(list, 1)).toEqual(list.slice(1));
  });

  test('export -> import round trip; files for another model version or damaged ones are refused with a clear message', async () => {
    const a = setup();
    for (const [i, l] of ['anger', 'anger', 'neutral', 'neutral'].entries()) {
      a.tuner.observe(`u${i}`, vec(i * 0.5, 1, -i), 'file');
      a.tuner.correct(`u${i}`, l);
    }
    await a.tuner.fit();
    const text = a.tuner.export();
    // Features, labels and the tuned layer only: nothing else (no audio) is in the file.
    expect(Object.keys(JSON.parse(text) as object).sort()).toEqual(['dim', 'enabled', 'examples', 'format', 'formatVersion', 'labels', 'model', 'note', 'tuned']);
    expect(Object.keys((JSON.parse(text) as { examples: object[] }).examples[0]).sort()).toEqual(['at', 'label', 'source', 'x']);
    const b = setup();
    await b.tuner.import(text);
    expect(b.last()).toMatchObject({ counts: [2, 2], active: true });
    expect(Array.from(b.port.tuned?.w ?? [])).toEqual(Array.from(a.port.tuned?.w ?? []));
    const expectModel = { model: { name: 'm', version: '2.0' }, labels: LABELS, dim: DIM };
    expect(() => importProfile(text, expectModel)).toThrow(/made for model m 1.0; the loaded model is m 2.0/);
    expect(() => importProfile('{"format":"other"}', { ...expectModel, model: { name: 'm', version: '1.0' } })).toThrow(VoiceFileError);
    const broken = JSON.parse(text) as { examples: { x: string }[] };
    broken.examples[0].x = broken.examples[0].x.slice(4);
    expect(() => importProfile(JSON.stringify(broken), { ...expectModel, model: { name: 'm', version: '1.0' } })).toThrow(/Example 1 has/);
    const p = importProfile(exportProfile({ model: { name: 'm', version: '1.0' }, labels: LABELS, dim: DIM, examples: [], tuned: null, enabled: false }), {
      ...expectModel,
      model: { name: 'm', version: '1.0' },
    });
    expect(p).toMatchObject({ examples: [], tuned: null, enabled: false });
  });
});
