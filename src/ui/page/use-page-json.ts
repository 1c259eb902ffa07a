import { useEffect, useState } from 'react';

/** A JSON file beside the page: not yet read, read and valid, or why it could not be used. */
export type PageJson<T> = { data: T; error: null } | { data: null; error: string | null };

/**
 * Fetches a JSON file beside the page once and validates it with `parse`; a missing or bad file
 * is an error message, never a crash. Results that arrive after unmount are dropped.
 */
export function usePageJson<T>(path: string, parse: (json: unknown) => T): PageJson<T> {
  const [state, setState] = useState<PageJson<T>>({ data: null, error: null });
  useEffect(() => {
    let live = true;
    (async () => {
      const res = await fetch(new URL(path, document.baseURI));
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      return parse(await res.json());
    })().then(
      (data) => live && setState({ data, error: null }),
      (e: unknown) => live && setState({ data: null, error: e instanceof Error ? e.message : String(e) }),
    );
    return () => {
      live = false;
    };
  }, [path, parse]);
  return state;
}
