export const chromiumPath: string | undefined;
export const QUIET_FLAGS: string[];
export const WEBGPU_FLAGS: string[];
