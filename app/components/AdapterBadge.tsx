import { adapterLabel } from '../../src/gpu/adapter';
import { useLab } from '../store';

/** Names the adapter the lab runs on, with the facts that matter for speed. */
export function AdapterBadge() {
  const gpu = useLab((s) => s.gpu);
  if (gpu.state !== 'ready') return null;
  const features = [
    gpu.features.subgroups && 'subgroups',
    gpu.features.timestampQuery && 'timestamps',
    gpu.features.shaderF16 && 'f16',
  ]
    .filter(Boolean)
    .join(', ');
  return (
    <div className="adapter" data-testid="adapter">
      <span className="label">Adapter</span> <strong>{adapterLabel(gpu.adapter)}</strong>
      <span className="muted">
        {' '}
        · max storage binding {(gpu.limits.maxStorageBufferBindingSize / 2 ** 20).toFixed(0)} MiB
        {features && ` · ${features}`}
      </span>
    </div>
  );
}
