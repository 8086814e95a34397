/**
 * What the page knows of an adapter without holding a device: its summary and its one-line
 * label. Kept apart from device.ts, which pulls in the pipeline cache and every shared kernel.
 */
export interface AdapterSummary {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  /** True for CPU fallbacks such as SwiftShader: expect ~1000x slower kernels. */
  isFallback: boolean;
}

/** A one-line name for the adapter, as shown in the lab and printed by benchmarks. */
export function adapterLabel(a: AdapterSummary): string {
  const parts = [a.vendor, a.architecture, a.device, a.description].filter((s) => s);
  const unique = [...new Set(parts)];
  return (unique.join(' / ') || 'unknown adapter') + (a.isFallback ? ' (CPU fallback)' : '');
}
