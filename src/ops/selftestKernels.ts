/**
 * The kernels the start-up self-test checks, in its order: a list of names without the tests
 * themselves, so that the page can name them without bundling every kernel (the tests run in the
 * GPU worker). src/ops/selftest.ts holds its SELF_TESTS to this list.
 */
export const SELF_TEST_KERNELS = [
  'matmul',
  'attention',
  'layernorm',
  'gelu',
  'matmul_gelu',
  'residual',
  'residual_layernorm',
  'embedding',
  'cross_entropy',
  'reduce',
  'adamw',
  'newton_schulz',
  'sgd',
] as const;
