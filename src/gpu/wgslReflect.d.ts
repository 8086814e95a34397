// wgsl_reflect's `main` is a CommonJS file in a "type": "module" package, which Node refuses;
// its ES module is imported by path (src/gpu/uniforms.ts), with the package's own types.
declare module 'wgsl_reflect/wgsl_reflect.module.js' {
  export * from 'wgsl_reflect';
}
