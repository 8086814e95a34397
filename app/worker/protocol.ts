/** Messages between the page and the GPU worker. The worker owns the device; the page never touches it. */
import type { AdapterSummary, GpuFeatures, GpuLimits } from '../../src/gpu/device';
import type { SelfTestResult } from '../../src/ops/selftest';

export type ToWorker = { type: 'init' } | { type: 'selftest' };

export type FromWorker =
  | { type: 'ready'; adapter: AdapterSummary; features: GpuFeatures; limits: GpuLimits }
  | { type: 'unavailable'; reason: 'no-api' | 'no-adapter' | 'no-device'; message: string }
  | { type: 'selftest-result'; result: SelfTestResult }
  | { type: 'selftest-done'; results: SelfTestResult[] }
  | { type: 'device-lost'; message: string }
  | { type: 'error'; message: string };
