/**
 * Voice profiles in IndexedDB (this device only), one record per model name + version.
 * Where IndexedDB is missing or refused (private modes, some iframes), profiles live in
 * memory for the session and the caller is told, so the page can say so.
 */
import { type VoiceModelKey, type VoiceProfile, profileKey } from './voice-file';

/** Reads, writes and deletes voice profiles. */
export interface VoiceStore {
  load(model: VoiceModelKey): Promise<VoiceProfile | null>;
  save(profile: VoiceProfile): Promise<void>;
  remove(model: VoiceModelKey): Promise<void>;
}

const DB = 'ser-voice';
const STORE = 'profiles';

function request<T>(r: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    r.onsuccess = () => resolve(r.result);
    r.onerror = () => reject(r.error ?? new Error('IndexedDB request failed'));
  });
}

/** The profile store in IndexedDB `ser-voice` (object store `profiles`, key "name@version"). */
export class IndexedDbVoiceStore implements VoiceStore {
  private db: Promise<IDBDatabase> | null = null;

  constructor(private readonly idb: IDBFactory) {}

  private open(): Promise<IDBDatabase> {
    this.db ??= new Promise<IDBDatabase>((resolve, reject) => {
      const r = this.idb.open(DB, 1);
      r.onupgradeneeded = () => r.result.createObjectStore(STORE);
      r.onsuccess = () => resolve(r.result);
      r.onerror = () => reject(r.error ?? new Error('IndexedDB could not be opened'));
      r.onblocked = () => reject(new Error('IndexedDB is blocked by another tab'));
    });
    return this.db;
  }

  private async tx(mode: IDBTransactionMode): Promise<IDBObjectStore> {
    return (await this.open()).transaction(STORE, mode).objectStore(STORE);
  }

  async load(model: VoiceModelKey): Promise<VoiceProfile | null> {
    const v = (await request((await this.tx('readonly')).get(profileKey(model)))) as VoiceProfile | undefined;
    // The key says name@version; the record must agree (never reuse another version's data).
    return v && v.model.name === model.name && v.model.version === model.version ? v : null;
  }

  async save(profile: VoiceProfile): Promise<void> {
    await request((await this.tx('readwrite')).put(profile, profileKey(profile.model)));
  }

  async remove(model: VoiceModelKey): Promise<void> {
    await request((await this.tx('readwrite')).delete(profileKey(model)));
  }
}

/** Profiles kept in memory only (no IndexedDB here, or tests). */
export class MemoryVoiceStore implements VoiceStore {
  readonly records = new Map<string, VoiceProfile>();
  async load(model: VoiceModelKey): Promise<VoiceProfile | null> {
    return this.records.get(profileKey(model)) ?? null;
  }
  async save(profile: VoiceProfile): Promise<void> {
    this.records.set(profileKey(profile.model), profile);
  }
  async remove(model: VoiceModelKey): Promise<void> {
    this.records.delete(profileKey(model));
  }
}

/** IndexedDB where the browser has it, else memory. */
export function defaultVoiceStore(): VoiceStore {
  return typeof indexedDB !== 'undefined' ? new IndexedDbVoiceStore(indexedDB) : new MemoryVoiceStore();
}
