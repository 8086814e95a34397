/** Says plainly why there is no GPU and what the user can do about it. */
export function GpuUnavailable({ reason, message }: { reason: string; message: string }) {
  return (
    <section className="panel error" role="alert" data-testid="no-webgpu">
      <h2>{reason === 'no-api' ? 'This browser has no WebGPU' : 'No WebGPU adapter available'}</h2>
      <p>µP Lab trains models on your GPU through WebGPU, so it cannot run here yet.</p>
      <p className="muted">{message}</p>
      <h3>What to do</h3>
      <ul>
        <li>
          Use a browser with WebGPU: Chrome or Edge 113 or later on Windows, macOS or ChromeOS,
          Chrome 121+ on Android; Safari 26+; Firefox 141+ on Windows.
        </li>
        <li>
          On Linux, or if WebGPU is switched off: open{' '}
          <code>chrome://flags/#enable-unsafe-webgpu</code>, enable it and restart the browser (with{' '}
          <code>--enable-features=Vulkan</code> on Linux).
        </li>
        <li>
          Check <code>chrome://gpu</code>: a blocklisted GPU or outdated driver disables WebGPU.
          Update the driver, or on a machine without a GPU start Chromium with{' '}
          <code>--enable-unsafe-webgpu --use-webgpu-adapter=swiftshader</code> (slow, CPU only).
        </li>
      </ul>
    </section>
  );
}
