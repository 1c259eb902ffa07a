/**
 * Iframe page (embed.html): the widget full-page, its events posted to the parent.
 * URL parameters: parent (origin of the host page, required for messages), model, input, backend,
 * tune (present: show "Tune to my voice" for models that can be tuned).
 */
import { createBridge, resolveParentOrigin } from './bridge';
import { defineEmotionRecognizer, type EmotionRecognizerElement } from './element';
import { PUBLIC_EVENTS } from './session';
import type { FrameMessage } from './types';


defineEmotionRecognizer();
const params = new URL(location.href).searchParams;
const el = document.createElement('emotion-recognizer') as EmotionRecognizerElement;
for (const name of ['model', 'input', 'backend', 'tune'] as const) {
  const v = params.get(name);
  if (v !== null) el.setAttribute(name, v);
}

let parentOrigin: string | null = null;
try {
  if (window.parent === window) throw new Error('not inside an iframe: nothing to post to');
  parentOrigin = resolveParentOrigin(params.get('parent'), location.ancestorOrigins?.[0]);
} catch (e) {
  const p = document.createElement('p');
  p.className = 'frame-warning';
  p.textContent = `Results are not shared with the host page: ${e instanceof Error ? e.message : String(e)}`;
  document.body.append(p);
}
document.body.append(el); // connects: validates attributes and starts loading
if (parentOrigin !== null) {
  const bridge = createBridge({ self: window, parent: window.parent, parentOrigin, ready: el.ready });
  for (const type of PUBLIC_EVENTS) {
    // Model events are asynchronous, so listening right after connecting misses none.
    el.addEventListener(type, (e) => bridge.post({ source: 'emotion-recognizer', type, detail: (e as CustomEvent).detail } as FrameMessage));
  }
}
