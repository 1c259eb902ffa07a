import { createContext, useContext } from 'react';
import { useStore } from 'zustand';
import type { AppState, AppStore } from '../store/app-store';
import type { Controller } from '../app/controller-types';

export interface AppServices {
  store: AppStore;
  controller: Controller;
  /** The attention view is shown (rows then offer to select an utterance for it). */
  showsAttention?: boolean;
  /** The "Tune to my voice" panel is shown (history rows then offer "This was…"). */
  showsTuning?: boolean;
}

export const ServicesContext = createContext<AppServices | null>(null);

function useServices(): AppServices {
  const s = useContext(ServicesContext);
  if (!s) throw new Error('ServicesContext missing: wrap the UI in <ServicesContext.Provider>');
  return s;
}

/** Select a slice of the app state; re-renders only when it changes. */
export function useAppState<T>(selector: (s: AppState) => T): T {
  return useStore(useServices().store, selector);
}

/** Whether the page shows the attention view. */
export function useHasAttentionView(): boolean {
  return useServices().showsAttention === true;
}

/** Whether the page shows "Tune to my voice". */
export function useShowsTuning(): boolean {
  return useServices().showsTuning === true;
}

export function useController(): Controller {
  return useServices().controller;
}
