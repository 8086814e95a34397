/** The page's kernel-tuning cache: one record per adapter in IndexedDB (read and written by the GPU worker). */
import { createStore, get, set } from 'idb-keyval';
import type { TuneStore } from '../src/tune/cache';

const records = () => createStore('mup-lab-tune', 'records');

export const idbTuneStore: TuneStore = {
  load: (key) => get(key, records()),
  save: (key, record) => set(key, record, records()),
};
