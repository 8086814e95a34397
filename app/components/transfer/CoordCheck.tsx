import { useId, useState } from 'react';
import { widthStep } from '../../../src/mup/shapes';
import type { CoordRecord } from '../../../src/sweep/coord';
import type { SweepConfig } from '../../../src/sweep/config';
import { runCoordCheck } from '../../gpuClient';
import { coordCaption, type CoordRun } from '../../lib/figureCaption';
import { useLab } from '../../store';
import { CoordCheckPanel, coordWidthsHint, parseCoordWidths } from '../CoordCheckPanel';

/** Steps of the coordinate check: the first few, where a wrong parametrization shows. */
const COORD_STEPS = 4;

/** Runs the coordinate check of the form's model over its widths (or depths), in the worker. */
export function CoordCheck({ valid }: { valid: boolean }) {
  const config = useLab((s) => s.config);
  const active = useLab((s) => s.sweep.status === 'running' || s.sweep.status === 'paused');
  const [records, setRecords] = useState<CoordRecord[]>([]);
  // What the shown records were trained with (the form may have changed since): the caption.
  const [ran, setRan] = useState<{ config: SweepConfig; run: CoordRun } | null>(null);
  // A depth sweep checks across its depths (depth-µP, CompleteP), at its one width.
  const [axis, setAxis] = useState<'width' | 'depth'>('width');
  const [running, setRunning] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const widthsId = useId();
  // Its own widths (empty: the sweep's), so that a check can span more widths than a sweep.
  const [widthsText, setWidthsText] = useState('');
  const step = widthStep(config.model);
  const widths = widthsText.trim() ? parseCoordWidths(widthsText, step) : config.widths;
  const run = () => {
    if (typeof widths === 'string') {
      setError(widths);
      return;
    }
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
    const depths = config.axis === 'depth' ? config.depths : undefined;
    const seed = config.train.seeds[0];
    runCoordCheck(config, { widths, depths, steps: COORD_STEPS, seed })
      .then((r) => {
        setRecords(r);
        const run = { axis: config.axis, scaled: depths ?? widths, steps: COORD_STEPS, seed };
        setRan({ config, run });
      })
      .catch((e: unknown) => setError(e instanceof Error ? e.message : String(e)))
      .finally(() => setRunning(false));
  };
  const widthsField = config.axis === 'width' && (
    <p className="coord-widths">
      <label htmlFor={widthsId}>Coordinate check width list</label>{' '}
      <input
        id={widthsId}
        type="text"
        inputMode="numeric"
        value={widthsText}
        placeholder={coordWidthsHint(config.widths, valid)}
        aria-invalid={typeof widths === 'string'}
        onChange={(e) => setWidthsText(e.currentTarget.value)}
      />{' '}
      <span className="muted">
        {typeof widths === 'string' ? widths : `empty: the sweep's widths; multiples of ${step}`}
      </span>
    </p>
  );
  return (
    <>
      <CoordCheckPanel
        records={records}
        running={running}
        onRun={run}
        axisName={axis}
        controls={widthsField}
        caption={ran ? coordCaption(ran.config, ran.run) : undefined}
      />
      {error && (
        <p className="alert" role="alert">
          {error.startsWith('Coordinate check') ? error : `Coordinate check: ${error}`}
        </p>
      )}
    </>
  );
}
