/** The config's errors, handed to every field so each shows its own next to it. */
import { createContext, useContext } from 'react';
import type { ConfigError } from '../../../src/sweep/config';

export const ErrorsContext = createContext<ConfigError[]>([]);

/** Messages of the errors of one field (its dotted path, e.g. 'train.steps'). */
export function useFieldErrors(field: string | undefined): string[] {
  const errors = useContext(ErrorsContext);
  if (!field) return [];
  return errors.filter((e) => e.field === field).map((e) => e.message);
}

/** Fields that have an input of their own in the form; other errors go to the summary. */
export const FORM_FIELDS = new Set([
  'model.depth',
  'model.heads',
  'model.headSize',
  'model.context',
  'model.mlpRatio',
  'data',
  'data.seed',
  'data.size',
  'data.text',
  'parametrizations',
  'axis',
  'widths',
  'depths',
  'baseWidth',
  'baseDepth',
  'sweep.name',
  'sweep.log2Min',
  'sweep.log2Max',
  'sweep.log2Step',
  'train.steps',
  'train.batch',
  'train.seeds',
  'train.stack',
  'train.schedule',
  'train.schedule.warmupSteps',
  'train.schedule.minRatio',
]);
