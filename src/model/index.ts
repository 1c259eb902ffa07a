/**
 * Public API of the model side. The UI imports from here only.
 */
export { InferenceClient } from './client.ts';
export type { ClassifyResult, InferenceClientEvents, InferenceClientOptions } from './client.ts';
export type { BackendChoice, BackendName, BackendPreference } from './backend.ts';
export { parseBackendParam } from './backend.ts';
export { InferenceError, ModelLoadError, describeError } from './errors.ts';
export type { InferenceErrorCode, ModelLoadErrorCode } from './errors.ts';
export type { Manifest, ManifestMetrics, UpstreamVariant } from './manifest.ts';
// From urls.ts, not manifest.ts: the page bundle must not pull in the schema validator.
export { resolveModelUrl } from './urls.ts';
export type { LoadProgress } from './progress.ts';
export type { AttentionCurve } from './attention.ts';
export type { RequestKind, SimulatedFault } from './protocol.ts';
