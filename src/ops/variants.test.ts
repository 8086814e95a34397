import { afterEach, describe, expect, it } from 'vitest';
import type { AdapterSummary, GpuFeatures } from '../gpu';
import { chooseAttentionVariant } from './attention';
import { chooseCrossEntropyVariant } from './cross_entropy';
import { chooseLayerNormVariant } from './layernorm';
import { chooseMatmulVariant, MATMUL_VARIANT_REGISTRY } from './matmul';
import {
  adapterKey,
  applicableVariants,
  chooseVariantWithSource,
  installTunedVariants,
  type VariantRegistry,
} from './variants';

const cpu: AdapterSummary = {
  vendor: 'google',
  architecture: 'swiftshader',
  device: 'subzero',
  description: 'SwiftShader',
  isFallback: true,
};
const otherCpu: AdapterSummary = { ...cpu, device: 'another-device' };
const features: GpuFeatures = {
  subgroups: false,
  subgroupMinSize: 0,
  timestampQuery: false,
  shaderF16: false,
};
const shape = { m: 1024, k: 64, n: 64, transA: false, transB: true };

afterEach(() => {
  installTunedVariants(cpu, undefined);
  installTunedVariants(otherCpu, undefined);
});

describe('variant policy', () => {
  it('uses the thresholds when nothing is tuned', () => {
    expect(chooseVariantWithSource(MATMUL_VARIANT_REGISTRY, cpu, shape)).toEqual({
      variant: 'direct',
      source: 'threshold',
    });
  });

  it('uses a tuned choice for its adapter and shape class only', () => {
    const cls = MATMUL_VARIANT_REGISTRY.shapeClass(shape);
    installTunedVariants(cpu, {
      matmul: { [cls]: 'tiled64' },
      layernorm: { w64: 'workgroup' },
      cross_entropy: { v96: 'workgroup' },
      attention: { 'T64 D16 BH64': 'tiled' },
    });
    expect(chooseMatmulVariant(cpu, shape)).toBe('tiled64');
    // Another shape class, another adapter: thresholds.
    expect(chooseMatmulVariant(cpu, { ...shape, transB: false })).toBe('direct');
    expect(chooseMatmulVariant(otherCpu, shape)).toBe('direct');
    expect(chooseLayerNormVariant(cpu, 64)).toBe('workgroup');
    expect(chooseLayerNormVariant(cpu, 128)).toBe('row');
    expect(chooseCrossEntropyVariant(cpu, 96)).toBe('workgroup');
    expect(chooseAttentionVariant(cpu, { batch: 16, heads: 4, headSize: 16, context: 64 })).toBe(
      'tiled',
    );
    expect(chooseAttentionVariant(cpu)).toBe('row');
    installTunedVariants(cpu, undefined);
    expect(chooseMatmulVariant(cpu, shape)).toBe('direct');
  });

  it('ignores a tuned name that is no variant of the kernel', () => {
    const cls = MATMUL_VARIANT_REGISTRY.shapeClass(shape);
    installTunedVariants(cpu, { matmul: { [cls]: 'toString' } });
    expect(chooseVariantWithSource(MATMUL_VARIANT_REGISTRY, cpu, shape).source).toBe('threshold');
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
