/**
 * The lab's pre-LN GPT written as a jax-js user would write it (`@jax-js/jax`: numpy-style ops,
 * `jit` of `valueAndGrad` for the loss and its gradients, a second `jit` for clipping and AdamW),
 * for the benchmarks: the same math as bench/tfjs-gpt.ts and src/reference/gpt.ts, trained as our
 * engine trains it (µP's per-tensor learning rates and ε, global-norm clipping, bias-corrected
 * AdamW as in src/reference/adamw.ts). jax-js creates its own WebGPU device; bench/jaxjs.ts points
 * it at the adapter our engine uses.
 *
 * jax-js arrays are reference counted: passing an array to a function consumes it, `.ref` keeps
 * it. Parameters are read through `p(name)` (a new reference each use) and the trees are
 * released once the traced function is done with them.
 */
import { jit, numpy as np, nn, tree, valueAndGrad, blockUntilReady } from '@jax-js/jax';
import type { Array as JaxArray } from '@jax-js/jax';
import type { PeerGptSpec } from './peer-gpt';

export interface JaxGpt {
  /** One training step (forward, backward, clip, AdamW); resolves to its loss once done. */
  step(tokens: Int32Array, targets: Int32Array): Promise<number>;
  /** Where the last step's wall time went (ms). */
  lastPhases(): JaxStepPhases;
  dispose(): void;
}

export interface JaxStepPhases {
  /** The jitted calls (value-and-grad, update) returning: host work that enqueues the kernels. */
  callMs: number;
  /** Waiting for the new parameters (blockUntilReady). */
  readyMs: number;
  /** Reading the loss back. */
  readMs: number;
}

type Params = Record<string, JaxArray>;

const GELU_C = Math.sqrt(2 / Math.PI);

export function createJaxGpt({ config, tensors }: PeerGptSpec): JaxGpt {
  const { width: d, depth: L, heads: H, context: T, vocab: V, batch: B } = config;
  const Dh = d / H;
  const BT = B * T;
  if (!Number.isInteger(Dh)) throw new Error(`jaxjs-gpt: width ${d} not divisible by ${H} heads`);
  for (const t of tensors) {
    if (t.init.length !== t.shape.reduce((a, b) => a * b, 1)) {
      throw new Error(`jaxjs-gpt: ${t.name} has ${t.init.length} values for shape ${t.shape}`);
    }
  }

  const lossOf = (params: Params, tokens: JaxArray, targets: JaxArray): JaxArray => {
    const p = (name: string): JaxArray => {
      const x = params[name];
      if (!x) throw new Error(`jaxjs-gpt: no parameter ${name}`);
      return x.ref;
    };
    const scale = (x: JaxArray, s: number): JaxArray => (s === 1 ? x : x.mul(s));
    const layerNorm = (x: JaxArray, gain: string): JaxArray => {
      const mean = np.mean(x.ref, -1, { keepdims: true });
      const centred = x.sub(mean);
      const variance = np.mean(np.square(centred.ref), -1, { keepdims: true });
      return centred.mul(np.reciprocal(np.sqrt(variance.add(config.lnEps)))).mul(p(gain));
    };
    const gelu = (u: JaxArray): JaxArray => {
      const inner = u.ref.add(u.ref.mul(u.ref).mul(u.ref).mul(0.044715)).mul(GELU_C);
      return u.mul(0.5).mul(np.tanh(inner).add(1));
    };
    // [B·T, d] columns of head h -> [B, H, T, Dh]
    const heads = (x: JaxArray): JaxArray => x.reshape([B, T, H, Dh]).transpose([0, 2, 1, 3]);
    // Additive causal mask: 0 on and below the diagonal, -1e9 above.
    const mask = np.triu(np.full([T, T], -1e9), 1);

    // The embedding as a one-hot matmul: jax-js 0.1's jit cannot compile take()'s gradient (a
    // scatter: "routine primitive scatter input is not imm"); with V = 96 the matmul is small.
    const tok = np.matmul(nn.oneHot(tokens, V), p('tok_emb')).reshape([B, T, d]);
    let x = scale(tok.add(p('pos_emb')).reshape([BT, d]), config.inputMult);
    for (let l = 0; l < L; l++) {
      const pre = `blocks.${l}.`;
      const qkv = np.matmul(layerNorm(x.ref, pre + 'ln1.gain'), p(pre + 'attn.qkv'));
      const [q, k, v] = np.split(qkv, 3, 1);
      const scores = np
        .matmul(heads(q), heads(k).transpose([0, 1, 3, 2]))
        .mul(config.attnScale)
        .add(mask.ref);
      const o = np.matmul(nn.softmax(scores, -1), heads(v)); // [B, H, T, Dh]
      const merged = o.transpose([0, 2, 1, 3]).reshape([BT, d]);
      x = x.add(scale(np.matmul(merged, p(pre + 'attn.out')), config.residualMult));
      const u = np.matmul(layerNorm(x.ref, pre + 'ln2.gain'), p(pre + 'mlp.in'));
      x = x.add(scale(np.matmul(gelu(u), p(pre + 'mlp.out')), config.residualMult));
    }
    mask.dispose();
    const hf = layerNorm(x, 'ln_f.gain');
    const logits = scale(np.matmul(hf, p('tok_emb').transpose()), config.readoutMult);
    const logp = nn.logSoftmax(logits, -1);
    const loss = np.sum(nn.oneHot(targets, V).mul(logp), 1).mul(-1);
    tree.dispose(params);
    return np.mean(loss);
  };
  const lossAndGrads = jit(valueAndGrad(lossOf));

  const lr = Object.fromEntries(tensors.map((t) => [t.name, t.lr]));
  const eps = Object.fromEntries(tensors.map((t) => [t.name, t.eps]));
  const { beta1, beta2, clip } = config;
  // Clipping and AdamW (weight decay 0, as the benchmark's hyperparameters), one fused update.
  // corrections = [1 - beta1^t, 1 - beta2^t], an input so that one compiled update serves all t.
  const update = jit(
    (params: Params, grads: Params, m: Params, v: Params, corrections: JaxArray) => {
      const names = Object.keys(params);
      let factor: JaxArray | null = null;
      if (clip > 0) {
        let sumSq: JaxArray | null = null;
        for (const n of names) {
          const s = np.sum(np.square(grads[n].ref));
          sumSq = sumSq ? sumSq.add(s) : s;
        }
        factor = np.minimum(1, np.reciprocal(np.sqrt(sumSq!).add(1e-6)).mul(clip));
      }
      const [bc1, bc2] = np.split(corrections, 2, 0);
      const out: { params: Params; m: Params; v: Params } = { params: {}, m: {}, v: {} };
      for (const n of names) {
        const g = factor ? grads[n].mul(factor.ref) : grads[n];
        const mn = m[n].mul(beta1).add(g.ref.mul(1 - beta1));
        const vn = v[n].mul(beta2).add(g.ref.mul(g).mul(1 - beta2));
        const step = mn.ref
          .div(bc1.ref)
          .div(np.sqrt(vn.ref.div(bc2.ref)).add(eps[n]))
          .mul(lr[n]);
        out.params[n] = params[n].sub(step);
        out.m[n] = mn;
        out.v[n] = vn;
      }
      factor?.dispose();
      bc1.dispose();
      bc2.dispose();
      return out;
    },
  );

  let params: Params = Object.fromEntries(
    tensors.map((t) => [t.name, np.array(t.init, { shape: t.shape })]),
  );
  let m: Params = Object.fromEntries(tensors.map((t) => [t.name, np.zeros(t.shape)]));
  let v: Params = Object.fromEntries(tensors.map((t) => [t.name, np.zeros(t.shape)]));
  let t = 0;
  let phases: JaxStepPhases = { callMs: 0, readyMs: 0, readMs: 0 };

  return {
    async step(tokens, targets) {
      t++;
      const t0 = performance.now();
      const tok = np.array(tokens, { dtype: np.int32 });
      const tgt = np.array(targets, { dtype: np.int32 });
      const [loss, grads] = lossAndGrads(tree.ref(params), tok, tgt);
      const corrections = np.array([1 - beta1 ** t, 1 - beta2 ** t]);
      const next = update(params, grads, m, v, corrections);
      ({ params, m, v } = next);
      const t1 = performance.now();
      // The step is done when its update is: wait for the new parameters, then read the loss.
      await blockUntilReady(tree.ref(params)).then((p) => tree.dispose(p));
      const t2 = performance.now();
      const [value] = await loss.data();
      phases = { callMs: t1 - t0, readyMs: t2 - t1, readMs: performance.now() - t2 };
      return value;
    },
    lastPhases: () => phases,
    dispose() {
      tree.dispose(params);
      tree.dispose(m);
      tree.dispose(v);
      lossAndGrads.dispose();
      update.dispose();
    },
  };
}
