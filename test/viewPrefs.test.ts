// @vitest-environment happy-dom
/** The figures' loss metric survives a reload; a bad stored value is the default, never a throw. */
import { beforeEach, describe, expect, it } from 'vitest';
import { loadMetric, saveMetric, VIEW_PREFS_KEY } from '../app/viewPrefs';

describe('the loss metric across reloads', () => {
  beforeEach(() => localStorage.clear());

  it('is validation loss until the user picks another, then that one', () => {
    expect(loadMetric()).toBe('val');
    saveMetric('train');
    expect(loadMetric()).toBe('train');
    saveMetric('val');
    expect(loadMetric()).toBe('val');
  });

  it('reads a malformed or unknown value as the default', () => {
    for (const bad of ['{', 'null', '"train"', '{"metric":"test"}', '{"metric":1}']) {
      localStorage.setItem(VIEW_PREFS_KEY, bad);
      expect(loadMetric(), bad).toBe('val');
    }
  });
});
