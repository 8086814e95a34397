/** The lab's state (zustand). The worker's messages are the only way GPU facts get in. */
import { create } from 'zustand';
import type { AdapterSummary, GpuFeatures, GpuLimits } from '../src/gpu/device';
import type { SelfTestResult } from '../src/ops/selftest';

export type GpuStatus =
  | { state: 'starting' }
  | { state: 'ready'; adapter: AdapterSummary; features: GpuFeatures; limits: GpuLimits }
  | { state: 'unavailable'; reason: 'no-api' | 'no-adapter' | 'no-device'; message: string }
  | { state: 'lost'; message: string }
  | { state: 'error'; message: string };

export interface LabState {
  gpu: GpuStatus;
  selfTest: { running: boolean; results: SelfTestResult[] };
  setGpu(status: GpuStatus): void;
  selfTestStarted(): void;
  selfTestResult(result: SelfTestResult): void;
  selfTestDone(): void;
}

export const useLab = create<LabState>((set) => ({
  gpu: { state: 'starting' },
  selfTest: { running: false, results: [] },
  setGpu: (gpu) => set({ gpu }),
  selfTestStarted: () => set({ selfTest: { running: true, results: [] } }),
  selfTestResult: (result) =>
    set((s) => ({ selfTest: { ...s.selfTest, results: [...s.selfTest.results, result] } })),
  selfTestDone: () => set((s) => ({ selfTest: { ...s.selfTest, running: false } })),
}));
