import { describe, expect, it } from 'vitest';
import type { AdapterSummary, GpuFeatures } from '../gpu';
import { chooseAttentionVariant } from './attention';
import { chooseCrossEntropyVariant } from './cross_entropy';
import { chooseLayerNormVariant } from './layernorm';
import { chooseMatmulVariant, MATMUL_VARIANT_REGISTRY } from './matmul';
import {
  adapterKey,
  applicableVariants,
  chooseVariantWithSource,
  type VariantRegistry,
} from './variants';

const cpu: AdapterSummary = {
  vendor: 'google',
  architecture: 'swiftshader',
  device: 'subzero',
  description: 'SwiftShader',
  isFallback: true,
};
const features: GpuFeatures = {
  subgroups: false,
  subgroupMinSize: 0,
  timestampQuery: false,
  shaderF16: false,
};
const shape = { m: 1024, k: 64, n: 64, transA: false, transB: true };

describe('variant policy', () => {
  it('uses the thresholds when nothing is tuned', () => {
    expect(chooseVariantWithSource(MATMUL_VARIANT_REGISTRY, cpu, shape)).toEqual({
      variant: 'direct',
      source: 'threshold',
    });
  });

  it('uses the table it is given for its shape class only', () => {
    const cls = MATMUL_VARIANT_REGISTRY.shapeClass(shape);
    const tuned = {
      matmul: { [cls]: 'tiled64' },
      layernorm: { w64: 'workgroup' },
      cross_entropy: { v96: 'workgroup' },
      attention: { 'T64 D16 BH64': 'tiled' },
    };
    expect(chooseMatmulVariant(cpu, shape, tuned)).toBe('tiled64');
    // Another shape class, or no table (another context): thresholds.
    expect(chooseMatmulVariant(cpu, { ...shape, transB: false }, tuned)).toBe('direct');
    expect(chooseMatmulVariant(cpu, shape)).toBe('direct');
    expect(chooseLayerNormVariant(cpu, 64, false, tuned)).toBe('workgroup');
    expect(chooseLayerNormVariant(cpu, 128, false, tuned)).toBe('row');
    expect(chooseCrossEntropyVariant(cpu, 96, tuned)).toBe('workgroup');
    const attention = { batch: 16, heads: 4, headSize: 16, context: 64 };
    expect(chooseAttentionVariant(cpu, attention, tuned)).toBe('tiled');
    expect(chooseAttentionVariant(cpu, undefined, tuned)).toBe('row');
  });

  it('ignores a tuned name that is no variant of the kernel', () => {
    const cls = MATMUL_VARIANT_REGISTRY.shapeClass(shape);
    const tuned = { matmul: { [cls]: 'toString' } };
    expect(chooseVariantWithSource(MATMUL_VARIANT_REGISTRY, cpu, shape, tuned).source).toBe(
      'threshold',
    );
  });

  it('keys adapters by vendor, architecture, device and description', () => {
    const keys = new Set(
      (['vendor', 'architecture', 'device', 'description'] as const).map((f) =>
        adapterKey({ ...cpu, [f]: 'x' }),
      ),
    );
    expect(keys.size).toBe(4);
    expect(adapterKey({ ...cpu, isFallback: false })).toBe(adapterKey(cpu));
  });

  it('lists the variants whose rule applies', () => {
    const registry: VariantRegistry<'plain' | 'subgroup', number> = {
      kernel: 'layernorm',
      variants: { plain: {}, subgroup: { applies: (env) => env.features.subgroups } },
      shapeClass: (w) => `w${w}`,
      threshold: () => 'plain',
    };
    expect(applicableVariants(registry, { adapter: cpu, features }, 64)).toEqual(['plain']);
    expect(
      applicableVariants(
        registry,
        { adapter: cpu, features: { ...features, subgroups: true } },
        64,
      ),
    ).toEqual(['plain', 'subgroup']);
  });
});
