import { Component, type ErrorInfo, type ReactNode } from 'react';
import { PENDING_SETTINGS_KEY } from '../persist';
import { useLab } from '../store';

interface State {
  error: Error | null;
}

/**
 * Catches what a component throws while drawing, so that one bad value cannot blank the page:
 * it says what failed and offers to reset the settings while the results stay (they are saved
 * apart from the form), or to try again.
 */
export class ErrorBoundary extends Component<{ children: ReactNode }, State> {
  override state: State = { error: null };

  static getDerivedStateFromError(error: unknown): State {
    return { error: error instanceof Error ? error : new Error(String(error)) };
  }

  override componentDidCatch(error: Error, info: ErrorInfo): void {
    console.error('µP Lab: a panel failed to draw', error, info.componentStack);
  }

  private reset = () => {
    try {
      localStorage.removeItem(PENDING_SETTINGS_KEY);
    } catch {
      // No localStorage: the autosave of the new settings is all there is.
    }
    useLab.getState().resetSettings();
    this.setState({ error: null });
  };

  override render() {
    const { error } = this.state;
    if (!error) return this.props.children;
    return (
      <section className="panel error" role="alert" aria-labelledby="boundary-title">
        <h2 id="boundary-title">Part of the lab failed to draw</h2>
        <p data-testid="boundary-message">{error.message}</p>
        <p>
          Your finished runs are kept. Resetting the settings puts the form back to the Tiny preset;
          the results stay.
        </p>
        <div className="buttons">
          <button type="button" onClick={this.reset}>
            Reset settings (keep results)
          </button>
          <button
            type="button"
            className="secondary"
            onClick={() => this.setState({ error: null })}
          >
            Try again
          </button>
        </div>
      </section>
    );
  }
}
