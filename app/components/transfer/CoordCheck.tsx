import { useState } from 'react';
import type { CoordRecord } from '../../../src/sweep/coord';
import { runCoordCheck } from '../../gpuClient';
import { useLab } from '../../store';
import { CoordCheckPanel } from '../CoordCheckPanel';

/** Steps of the coordinate check: the first few, where a wrong parametrization shows. */
const COORD_STEPS = 4;

/** Runs the coordinate check of the form's model over its widths (or depths), in the worker. */
export function CoordCheck({ valid }: { valid: boolean }) {
  const config = useLab((s) => s.config);
  const active = useLab((s) => s.sweep.status === 'running' || s.sweep.status === 'paused');
  const [records, setRecords] = useState<CoordRecord[]>([]);
  // A depth sweep checks across its depths (depth-µP, CompleteP), at its one width.
  const [axis, setAxis] = useState<'width' | 'depth'>('width');
  const [running, setRunning] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const run = () => {
    if (!valid || active) {
      setError(
        active
          ? 'The coordinate check runs when the sweep is not running.'
          : 'Fix the settings first: the check trains the configured model.',
      );
      return;
    }
    setError(null);
    setRunning(true);
    setAxis(config.axis);
    runCoordCheck(config, {
      widths: config.widths,
      depths: config.axis === 'depth' ? config.depths : undefined,
      steps: COORD_STEPS,
      seed: config.train.seeds[0],
    })
      .then(setRecords)
      .catch((e: unknown) => setError(e instanceof Error ? e.message : String(e)))
      .finally(() => setRunning(false));
  };
  return (
    <>
      <CoordCheckPanel records={records} running={running} onRun={run} axisName={axis} />
      {error && (
        <p className="alert" role="alert">
          Coordinate check: {error}
        </p>
      )}
    </>
  );
}
