/**
 * The lab's pre-LN GPT written in TensorFlow.js (tfjs-core ops, autodiff, tf.train.adam), for the
 * training benchmark: the same math as src/model/gpt.ts and src/reference/gpt.ts, trained the way
 * our engine trains it (per-tensor learning rates and ε, global-norm clipping), so that a TF.js
 * step does the same work as one of ours. Runs on whatever backend is active (bench/tfjs.ts puts
 * TF.js's WebGPU backend on our device).
 *
 *   x = inputMult · (tok_emb[token] + pos_emb[t])
 *   per block:  x += residualMult · W_out(attn(LN1(x) · W_qkv));  x += residualMult · mlp(LN2(x))
 *   logits = readoutMult · LN_f(x) · tok_embᵀ (tied);  loss = mean cross-entropy
 *
 * attn: per head causal softmax(attnScale · q·kᵀ) v, q|k|v the column thirds of W_qkv's output,
 * each split into heads of headSize consecutive columns; mlp: GELU (tanh) between mlp.in and
 * mlp.out. Layernorms have gains only (no biases), like `biases: false`.
 */
import * as tf from '@tensorflow/tfjs-core';
// tfjs-core's main entry registers no gradients (the @tensorflow/tfjs union package does this).
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import type { PeerGptSpec } from './peer-gpt';

export interface TfjsGpt {
  /** One training step (forward, backward, clip, Adam) on a batch; resolves to its loss. */
  step(tokens: Int32Array, targets: Int32Array): Promise<number>;
  /** Tensors TF.js holds (variables, optimizer slots, constants): stable from step to step. */
  numTensors(): number;
  dispose(): void;
}

const GELU_C = Math.sqrt(2 / Math.PI);
let modelCount = 0;

export function createTfjsGpt({ config, tensors }: PeerGptSpec): TfjsGpt {
  const { width: d, depth: L, heads: H, context: T, vocab: V, batch: B } = config;
  const Dh = d / H;
  const BT = B * T;
  if (!Number.isInteger(Dh)) throw new Error(`tfjs-gpt: width ${d} not divisible by ${H} heads`);
  const id = modelCount++;
  const vars = new Map<string, tf.Variable>();
  for (const t of tensors) {
    if (t.init.length !== t.shape.reduce((a, b) => a * b, 1)) {
      throw new Error(`tfjs-gpt: ${t.name} has ${t.init.length} values for shape ${t.shape}`);
    }
    const init = tf.tensor(t.init, t.shape, 'float32');
    vars.set(t.name, tf.variable(init, true, `gpt${id}/${t.name}`));
    init.dispose(); // the variable holds its own reference to the data
  }
  const v = (name: string): tf.Variable => {
    const x = vars.get(name);
    if (!x) throw new Error(`tfjs-gpt: no parameter ${name}`);
    return x;
  };
  // One Adam per distinct (lr, ε): TF.js's Adam has one learning rate, µP gives several.
  const groups = new Map<string, { optimizer: tf.AdamOptimizer; names: string[] }>();
  for (const t of tensors) {
    const key = `${t.lr}/${t.eps}`;
    let g = groups.get(key);
    if (!g) {
      g = { optimizer: tf.train.adam(t.lr, config.beta1, config.beta2, t.eps), names: [] };
      groups.set(key, g);
    }
    g.names.push(`gpt${id}/${t.name}`);
  }
  // Additive causal mask [T, T]: 0 on and below the diagonal, -1e9 above.
  const maskValues = new Float32Array(T * T);
  for (let i = 0; i < T; i++) for (let j = i + 1; j < T; j++) maskValues[i * T + j] = -1e9;
  const mask = tf.keep(tf.tensor2d(maskValues, [T, T]));

  const scale = (x: tf.Tensor, s: number): tf.Tensor => (s === 1 ? x : tf.mul(x, s));
  const layerNorm = (x: tf.Tensor, gain: string): tf.Tensor => {
    const { mean, variance } = tf.moments(x, -1, true);
    return tf.mul(tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, config.lnEps))), v(gain));
  };
  const gelu = (u: tf.Tensor): tf.Tensor => {
    const inner = tf.mul(tf.add(u, tf.mul(tf.mul(tf.mul(u, u), u), 0.044715)), GELU_C);
    return tf.mul(tf.mul(u, 0.5), tf.add(tf.tanh(inner), 1));
  };
  // [B·T, d] columns of head h -> [B·H, T, Dh]
  const heads = (x: tf.Tensor): tf.Tensor =>
    tf.reshape(tf.transpose(tf.reshape(x, [B, T, H, Dh]), [0, 2, 1, 3]), [B * H, T, Dh]);

  const lossOf = (tokens: tf.Tensor1D, targets: tf.Tensor1D): tf.Scalar => {
    const tok = tf.gather(v('tok_emb'), tokens);
    const emb = tf.add(tf.reshape(tok, [B, T, d]), v('pos_emb'));
    let x: tf.Tensor = scale(tf.reshape(emb, [BT, d]), config.inputMult);
    for (let l = 0; l < L; l++) {
      const p = `blocks.${l}.`;
      const qkv = tf.matMul(layerNorm(x, p + 'ln1.gain') as tf.Tensor2D, v(p + 'attn.qkv'));
      const [q, k, val] = tf.split(qkv, 3, 1);
      const scores = tf.add(
        tf.mul(tf.matMul(heads(q), heads(k), false, true), config.attnScale),
        mask,
      );
      const o = tf.matMul(tf.softmax(scores), heads(val)); // [B·H, T, Dh]
      const merged = tf.reshape(tf.transpose(tf.reshape(o, [B, H, T, Dh]), [0, 2, 1, 3]), [BT, d]);
      const attn = tf.matMul(merged as tf.Tensor2D, v(p + 'attn.out'));
      x = tf.add(x, scale(attn, config.residualMult));
      const u = tf.matMul(layerNorm(x, p + 'ln2.gain') as tf.Tensor2D, v(p + 'mlp.in'));
      const mlp = tf.matMul(gelu(u) as tf.Tensor2D, v(p + 'mlp.out'));
      x = tf.add(x, scale(mlp, config.residualMult));
    }
    const hf = layerNorm(x, 'ln_f.gain') as tf.Tensor2D;
    const logits = scale(tf.matMul(hf, v('tok_emb'), false, true), config.readoutMult);
    const logp = tf.logSoftmax(logits);
    return tf.neg(tf.mean(tf.sum(tf.mul(tf.oneHot(targets, V), logp), 1))) as tf.Scalar;
  };

  return {
    async step(tokens, targets) {
      const loss = tf.tidy(() => {
        const tokT = tf.tensor1d(tokens, 'int32');
        const tgtT = tf.tensor1d(targets, 'int32');
        const { value, grads } = tf.variableGrads(() => lossOf(tokT, tgtT));
        let clipped: tf.NamedTensorMap = grads;
        if (config.clip > 0) {
          // Not tf.addN: its WebGPU program binds one storage buffer per input (over the limit).
          const sumSq = Object.values(grads)
            .map((g) => tf.sum(tf.square(g)))
            .reduce((a, b) => tf.add(a, b));
          const c = tf.minimum(1, tf.div(config.clip, tf.add(tf.sqrt(sumSq), 1e-6)));
          clipped = {};
          for (const [name, g] of Object.entries(grads)) clipped[name] = tf.mul(g, c);
        }
        for (const { optimizer, names } of groups.values()) {
          optimizer.applyGradients(names.map((name) => ({ name, tensor: clipped[name] })));
        }
        return value;
      });
      const [value] = await loss.data();
      loss.dispose();
      return value;
    },
    numTensors: () => tf.memory().numTensors,
    dispose() {
      for (const { optimizer } of groups.values()) optimizer.dispose();
      for (const x of vars.values()) x.dispose();
      mask.dispose();
    },
  };
}
