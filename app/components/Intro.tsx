import { useState } from 'react';
import { fetchExampleResult } from '../lib/exampleResult';
import { useLab } from '../store';
import { importDocument } from './transfer/ExportPanel';

/**
 * What the page is for, in two lines, and a finished sweep to look at first: the example loads
 * like an imported file and needs no GPU.
 */
export function Intro() {
  const running = useLab((s) => s.sweep.status === 'running' || s.sweep.status === 'paused');
  const [state, setState] = useState<{
    kind: 'idle' | 'loading' | 'shown' | 'error';
    text?: string;
  }>({ kind: 'idle' });
  const explore = async () => {
    setState({ kind: 'loading' });
    try {
      const doc = await fetchExampleResult();
      importDocument(doc, true);
      const runs = doc.evidence.runs.length;
      setState({
        kind: 'shown',
        text: `Showing the example: the Tiny preset, ${runs} runs trained on ${doc.environment.adapter} (${doc.environment.date.slice(0, 10)}).`,
      });
    } catch (e) {
      setState({ kind: 'error', text: e instanceof Error ? e.message : String(e) });
    }
  };
  return (
    <section className="intro" aria-label="What this lab shows">
      <p>
        µP Lab trains small GPT models at several widths, each over a grid of learning rates, under
        the standard parametrization (SP) and under µP, on your GPU.
      </p>
      <p>
        You will see loss against learning rate, a line per width: under µP the best learning rate
        stays put as the width grows (tune small, train big); under SP it drifts.
      </p>
      <p className="intro-actions">
        <button
          type="button"
          className="secondary"
          disabled={running || state.kind === 'loading'}
          onClick={() => void explore()}
        >
          Explore an example result
        </button>
        {state.text && (
          <span
            className={state.kind === 'error' ? 'field-error' : 'hint'}
            role={state.kind === 'error' ? 'alert' : 'status'}
            data-testid="example-status"
          >
            {state.text}
          </span>
        )}
      </p>
    </section>
  );
}
