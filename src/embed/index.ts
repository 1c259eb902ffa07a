/**
 * Entry of the embeddable bundle (`emotion-recognizer.js`): one module script tag registers
 * `<emotion-recognizer>` and exports the typed JS API.
 */
import { setBundleBase } from './base';
import { defineEmotionRecognizer } from './element';
import { createRecognizer as create } from './session';
import type { CreateRecognizer } from './types';

// This module is the entry chunk, so its URL is the bundle's folder (see base.ts).
setBundleBase(import.meta.url);
defineEmotionRecognizer();

/** Loads a model and resolves when ready; see {@link CreateRecognizer}. */
export const createRecognizer: CreateRecognizer = create;
export { EmotionRecognizerElement, defineEmotionRecognizer } from './element';
export { RecognizerError } from './validate';
export type * from './types';
