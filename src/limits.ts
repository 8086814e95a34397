/**
 * What the lab can train, in one place: the config schema, the shape validator, the kernel
 * wrappers and the form all read these. The attention kernel keeps one head (≤ MAX_HEAD_SIZE
 * floats) and one row of scores (≤ MAX_CONTEXT) in workgroup memory; the others bound buffer
 * sizes and run times far above any sweep that fits a consumer GPU.
 */
export const MAX_HEAD_SIZE = 128;
export const MAX_CONTEXT = 512;
export const MAX_WIDTH = 8192;
export const MAX_DEPTH = 64;
export const MAX_VOCAB = 65536;
