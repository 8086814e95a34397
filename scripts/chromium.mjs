// The browser the e2e tests and scripts/screenshot.mjs drive: the system Chromium (never a
// downloaded one) and its flags for WebGPU on SwiftShader where there is no GPU (explained in
// docs/webgpu-on-cpu.md). Used by playwright.config.ts and scripts/screenshot.mjs.
import { existsSync } from 'node:fs';

/** CHROMIUM_PATH, else Debian's /usr/bin/chromium, else undefined (Playwright's own). */
export const chromiumPath =
  process.env.CHROMIUM_PATH ?? (existsSync('/usr/bin/chromium') ? '/usr/bin/chromium' : undefined);

/** No sandbox, no background traffic. */
export const QUIET_FLAGS = [
  '--no-sandbox',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** WebGPU through Vulkan on SwiftShader. */
export const WEBGPU_FLAGS = [
  '--enable-unsafe-webgpu',
  '--enable-features=Vulkan',
  '--use-vulkan=swiftshader',
  '--use-webgpu-adapter=swiftshader',
  '--use-angle=swiftshader',
  '--disable-vulkan-surface',
];
