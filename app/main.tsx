import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App';
import { startAnalysis } from './analysisClient';
import { startGpuWorker } from './gpuClient';
import { restoreSaved, startAutosave } from './persist';
import { startSweepList } from './sweeps/sweepList';
import './styles.css';

// Restore the saved work first, so that the worker prepares the restored data, then save
// every change from here on.
void restoreSaved().finally(() => {
  startAutosave();
  void startSweepList();
  startGpuWorker();
  startAnalysis();
  createRoot(document.getElementById('root')!).render(
    <StrictMode>
      <App />
    </StrictMode>,
  );
});
