import { describe, expect, it } from 'vitest';
import type { AdapterSummary, GpuFeatures } from '../gpu';
import { SUBGROUP_RULE, subgroupLanes } from './subgroups';

const adapter: AdapterSummary = {
  vendor: 'v',
  architecture: 'a',
  device: 'd',
  description: '',
  isFallback: false,
};
const features = (subgroups: boolean, subgroupMinSize: number): GpuFeatures => ({
  subgroups,
  subgroupMinSize,
  timestampQuery: false,
  shaderF16: false,
});

describe('subgroup variants apply', () => {
  it('with the feature and a reported smallest subgroup size of 1 to 256 lanes', () => {
    expect(subgroupLanes(features(true, 4))).toBe(4);
    expect(subgroupLanes(features(true, 32))).toBe(32);
    expect(subgroupLanes(features(true, 256))).toBe(256);
    // No feature; a browser that does not report the size; a size beyond one workgroup.
    expect(subgroupLanes(features(false, 32))).toBe(0);
    expect(subgroupLanes(features(true, 0))).toBe(0);
    expect(subgroupLanes(features(true, 512))).toBe(0);
    const applies = (f: GpuFeatures) => SUBGROUP_RULE.applies?.({ adapter, features: f }, {});
    expect(applies(features(true, 4))).toBe(true);
    expect(applies(features(true, 0))).toBe(false);
    expect(applies(features(false, 4))).toBe(false);
  });
});
