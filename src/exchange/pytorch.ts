/**
 * The PyTorch side of an export: the Python snippet that sets up microsoft/mup with a
 * document's values. Kept apart from export.ts and exportSchema.ts (the document's builder and schema) because it
 * changes with the PyTorch trainer (python/mup_lab), not with the export format.
 */
import { TINY_SHAKESPEARE } from '../data/shakespeare';
import { muonMomentumOf, nsStepsOf } from '../mup/optimizers';
import {
  PARAMETRIZATION_LABELS,
  PARAMETRIZATION_TABLE,
  type MuonUpdateRule,
  type Parametrization,
} from '../mup/parametrizations';
import { DEFAULT_MOMENTUM, DEPTH_SCALINGS, depthScalingOf } from '../mup/rules';
import { exportFileName } from './export';
import type { TransferExport } from './exportSchema';

/**
 * The lab's tensor names as PyTorch parameter names (python/mup_lab/model.py TORCH_NAMES): the
 * lab's `mlp.in` is not a Python attribute, so the MLP's linears are `fc_in`/`fc_out`; gains are
 * `weight`; a linear's bias is `<linear>.bias`. Matrices marked transposed are stored [out, in].
 */
const TORCH_NAME_RULES: ReadonlyArray<[RegExp, string, boolean]> = [
  [/^tok_emb$/, 'tok_emb.weight', false],
  [/^pos_emb$/, 'pos_emb.weight', false],
  [/^(blocks\.\d+\.ln[12]|ln_f)\.gain$/, '$1.weight', false],
  [/^(blocks\.\d+\.ln[12]|ln_f)\.bias$/, '$1.bias', false],
  [/^(blocks\.\d+)\.attn\.qkv$/, '$1.attn.qkv.weight', true],
  [/^(blocks\.\d+)\.attn\.qkv_bias$/, '$1.attn.qkv.bias', false],
  [/^(blocks\.\d+)\.attn\.out$/, '$1.attn.out.weight', true],
  [/^(blocks\.\d+)\.attn\.out_bias$/, '$1.attn.out.bias', false],
  [/^(blocks\.\d+)\.mlp\.in$/, '$1.mlp.fc_in.weight', true],
  [/^(blocks\.\d+)\.mlp\.in_bias$/, '$1.mlp.fc_in.bias', false],
  [/^(blocks\.\d+)\.mlp\.out$/, '$1.mlp.fc_out.weight', true],
  [/^(blocks\.\d+)\.mlp\.out_bias$/, '$1.mlp.fc_out.bias', false],
  [/^readout$/, 'readout.weight', true],
];

/** The PyTorch parameter name of a lab tensor (as mup_lab.GPT names it). */
export function torchParamName(labName: string): string {
  for (const [pattern, replacement] of TORCH_NAME_RULES) {
    if (pattern.test(labName)) return labName.replace(pattern, replacement);
  }
  throw new Error(`No PyTorch name for the lab tensor ${labName}`);
}

/** A JS number as a Python literal (finite by construction of the document). */
function py(x: number): string {
  if (!Number.isFinite(x)) return 'float("nan")';
  if (Number.isInteger(x) && Math.abs(x) < 1e15) return String(x);
  return String(x).replace('e+', 'e');
}

const pyBool = (b: boolean) => (b ? 'True' : 'False');

/** The parametrization microsoft/mup implements: the snippet sets it up with the tuned values. */
const MUP_PACKAGE_PARAMETRIZATION: Parametrization = 'mup';

/** Muon's update scale (src/mup/optimizers.ts muonUpdateScale) as Python, per rule. */
const MUON_SCALE_PYTHON: Readonly<Record<MuonUpdateRule, string>> = {
  'rms-match':
    "0.2 * max(fan_in, fan_out) ** 0.5  # SP-Muon: Moonlight's RMS matching (arXiv 2502.16982)",
  spectral: '(fan_out / fan_in) ** 0.5  # µP-Muon: the spectral condition (arXiv 2310.17813)',
};

/**
 * Python that sets up microsoft/mup with the document's values: base shapes, MuReadout
 * (output_mult), MuAdamW (lr, betas, eps, weight decay), an explicit init, and notes for what
 * mup does not do (ε/m, attention scale, α_in, zero-init, depth scaling).
 */
export function pytorchSnippet(doc: TransferExport): string {
  const hp = doc.hyperparameters;
  const b = doc.base;
  const t = doc.target.shape;
  const pt = doc.pytorch;
  const m = pt.manual;
  const widthMult = t.width / b.width;
  const hidden = pt.tensors.find((x) => x.ninf === 2);
  const hiddenStd = hidden ? hidden.initStd : hp.initStd / Math.sqrt(widthMult);
  const hiddenEps = hidden ? hidden.eps : hp.eps / widthMult;
  const hiddenLr = hidden ? hidden.muAdamLr : hp.lr / widthMult;
  const sgd = (hp.optimizer ?? 'adamw') === 'sgd';
  const muon = hp.optimizer === 'muon';
  const tuned = doc.tuning;
  const depthOn = m.residualMult !== 1 || m.depthLrFactor !== 1;
  const headLine =
    b.fixed === 'heads'
      ? `HEADS = ${b.heads}  # fixed head count: head size = d_model / HEADS (${b.headSize} at the base)`
      : `HEAD_SIZE = ${b.headSize}  # fixed head size: heads = d_model / HEAD_SIZE (${b.heads} at the base)`;
  const lines: string[] = [
    `# µP Lab export (${doc.format} v${doc.version}), ${doc.environment.date.slice(0, 10)}, lab ${doc.environment.labVersion}`,
    `# Tuned under ${PARAMETRIZATION_LABELS[doc.parametrization]}: ${tuned.label} = ${py(tuned.value)}` +
      (tuned.log2 !== null ? ` (log2 = ${tuned.log2.toFixed(3)})` : '') +
      `. ${tuned.note}`,
  ];
  if (doc.parametrization !== MUP_PACKAGE_PARAMETRIZATION) {
    const label = PARAMETRIZATION_LABELS[doc.parametrization];
    const mup = PARAMETRIZATION_LABELS[MUP_PACKAGE_PARAMETRIZATION];
    lines.push(
      `# ${label} and ${mup} are the same model at the base shape, so values tuned there under ${label} are`,
      `# valid ${mup} base values; ${mup} (below) is what carries them to other widths.`,
    );
  }
  lines.push(
    '# pip install mup',
    'import torch',
    // mup has no Muon: the snippet writes it out (Muon's branch below).
    `from mup import MuReadout, ${sgd ? 'MuSGD, ' : muon ? '' : 'MuAdamW, '}set_base_shapes`,
    '',
    '# ---- Base shapes (the model the hyperparameters were tuned at) ----',
    `BASE_WIDTH = ${b.width}  # d_model`,
    `BASE_DEPTH = ${b.depth}`,
    headLine,
    `MLP_RATIO = ${py(b.mlpRatio)}`,
    `VOCAB = ${b.vocab}`,
    `CONTEXT = ${b.context}`,
    `TARGET_WIDTH = ${t.width}`,
    `TARGET_DEPTH = ${t.depth}`,
    `WIDTH_MULT = TARGET_WIDTH / BASE_WIDTH  # m = ${py(widthMult)}`,
    '',
    '# ---- Tuned base hyperparameters ----',
    sgd
      ? `LR = ${py(hp.lr)}  # η: MuSGD multiplies it by m on embeddings, vectors and the readout (${py(hp.lr * widthMult)} at the target); hidden matrices keep η`
      : muon
        ? `LR = ${py(hp.lr)}  # η: Muon's hidden matrices and AdamW's other tensors alike; width enters through the update's scale`
        : `LR = ${py(hp.lr)}  # η: MuAdamW divides it by m on hidden matrices -> ${py(hiddenLr)} at the target`,
    `INIT_STD = ${py(hp.initStd)}  # σ`,
    `OUTPUT_MULT = ${py(hp.alphaOut)}  # α_out: MuReadout(output_mult=OUTPUT_MULT); logits × α_out / m`,
    `ALPHA_IN = ${py(hp.alphaIn)}  # α_in: multiply tok_emb(x) + pos_emb(t) by this (mup does not)`,
    `ALPHA_ATTN = ${py(hp.alphaAttn)}`,
    `ATTN_SCALE = ${py(m.attnScale)}  # at the target: α_attn·√d_base/d_head, replaces 1/√d_head`,
    ...(sgd
      ? [
          `WEIGHT_DECAY = ${py(hp.weightDecay)}  # λ, decoupled: p *= 1 - LR·λ each step (lr·wd = η·λ), see below`,
          `MOMENTUM = ${py(hp.momentum ?? DEFAULT_MOMENTUM)}  # torch.optim.SGD momentum (dampening 0, not Nesterov)`,
        ]
      : [
          ...(muon
            ? [
                `MUON_MOMENTUM = ${py(muonMomentumOf(hp))}  # μ of Muon's Nesterov momentum`,
                `NS_STEPS = ${nsStepsOf(hp)}  # Newton-Schulz iterations`,
              ]
            : []),
          muon
            ? `WEIGHT_DECAY = ${py(hp.weightDecay)}  # λ (decoupled: lr·wd = η·λ on every matrix)`
            : `WEIGHT_DECAY = ${py(hp.weightDecay)}  # λ (decoupled: MuAdamW keeps lr·wd = η·λ)`,
          `BETAS = (${py(hp.beta1)}, ${py(hp.beta2)})`,
          muon
            ? `EPS = ${py(hp.eps)}  # ε of the AdamW half (Muon's matrices have none)`
            : `EPS = ${py(hp.eps)}  # ε at the base; hidden matrices use ε/m = ${py(hiddenEps)} at the target`,
        ]),
    `GRAD_CLIP = ${py(hp.clip)}  # clip_grad_norm_ max norm (0 = off)`,
    `ZERO_READOUT = ${pyBool(pt.muReadout.readoutZeroInit)}`,
    `ZERO_QUERY = ${pyBool(hp.zeroQuery)}`,
  );
  if (depthOn) {
    const named = DEPTH_SCALINGS[depthScalingOf(hp.depthAlpha)];
    lines.push(
      `# Depth scaling: ${named.label}, L = TARGET_DEPTH / BASE_DEPTH (${named.source})`,
      `RESIDUAL_MULT = ${py(m.residualMult)}  # L^-α: multiply every residual branch by this`,
      sgd
        ? `DEPTH_LR_FACTOR = ${py(m.depthLrFactor)}  # L^(2α-1) for SGD: lr of every in-block group (LN gains/biases too)`
        : `DEPTH_LR_FACTOR = ${py(m.depthLrFactor)}  # L^(α-1): lr of every in-block group (LN gains/biases too)`,
    );
    if (!sgd) {
      lines.push(
        `DEPTH_EPS_FACTOR = ${py(m.residualMult)}  # L^-α: eps of every in-block group (hidden: ε/m × this)`,
      );
    }
  }
  lines.push(
    '',
    '# ---- In your model (mup does not do these for you) ----',
    '# 1. Input:     h = ALPHA_IN * (self.tok_emb(idx) + self.pos_emb(pos))',
    pt.muReadout.shared
      ? '# 2. Readout:   self.readout = MuSharedReadout(self.tok_emb.weight, bias=False, output_mult=OUTPUT_MULT)'
      : '# 2. Readout:   self.readout = MuReadout(d_model, VOCAB, bias=False, output_mult=OUTPUT_MULT,\n' +
          '#                                        readout_zero_init=ZERO_READOUT)',
    '# 3. Attention: att = (q @ k.transpose(-2, -1)) * ATTN_SCALE   # not / sqrt(d_head)',
    `#    (mup's Transformer example: attn_mult = ${py(m.exampleAttnMult)}, scaling = attn_mult**0.5 / d_head)`,
    `#    ATTN_SCALE is for head size ${py(doc.target.multipliers.headSize)}; in general ALPHA_ATTN * ${py(b.headSize)}**0.5 / d_head.`,
  );
  if (depthOn) lines.push('# 4. Depth:     h = h + RESIDUAL_MULT * block(h) for every branch');
  lines.push(
    '',
    '# ---- Base shapes: the same model code at the base width, and at twice it ----',
    '# GPT: your model class with the parameter names listed at the end (mup_lab.GPT, from',
    '# "Download PyTorch trainer", is the lab\'s model with exactly these names).',
    'model = GPT(d_model=TARGET_WIDTH, n_layer=TARGET_DEPTH)',
    'base = GPT(d_model=BASE_WIDTH, n_layer=TARGET_DEPTH)      # mup needs the same parameter names',
    'delta = GPT(d_model=2 * BASE_WIDTH, n_layer=TARGET_DEPTH)  # marks which dims scale with width',
    'set_base_shapes(model, base, delta=delta, rescale_params=False)',
    '',
    '# ---- Init, explicit (rescale_params=False above: nothing is rescaled behind your back) ----',
    '@torch.no_grad()',
    'def mup_init_(model):',
    '    for name, p in model.named_parameters():',
    '        if p.dim() < 2:',
    "            if name.endswith('bias'):",
    '                p.zero_()  # biases 0; layernorm gains keep 1',
    '        elif p.infshape.ninf() == 2:  # hidden matrix: std σ/√m, m = fan-in multiplier',
    `            p.normal_(0.0, INIT_STD / p.infshape.width_mult() ** 0.5)  # ${py(hiddenStd)} at the target`,
    '        else:  # embeddings and the readout: std σ at every width',
    '            p.normal_(0.0, INIT_STD)',
    '    if ZERO_READOUT:',
    '        model.readout.weight.zero_()',
    '    if ZERO_QUERY:  # nn.Linear qkv weight is [3d, d]: rows [0, d) are the queries',
    '        for block in model.blocks:',
    '            block.attn.qkv.weight[: block.attn.qkv.in_features].zero_()',
    '',
    'mup_init_(model)',
    '',
  );
  if (sgd) {
    lines.push(
      "# ---- Optimizer: microsoft/mup's MuSGD, the lab's SGD under µP ----",
      '# MuSGD couples weight decay (torch SGD: g += wd·p, through the momentum); the lab decays',
      '# decoupled, matrices only, by LR·λ per step: do that by hand just before optimizer.step().',
      'decay = [p for p in model.parameters() if p.dim() >= 2]',
      'optimizer = MuSGD(model.parameters(), lr=LR, momentum=MOMENTUM)',
      "# Each step, after loss.backward() and the clip (lr_scale: your schedule's factor):",
      '#   with torch.no_grad():',
      '#       for p in decay: p.mul_(1 - LR * lr_scale * WEIGHT_DECAY)',
      '#   optimizer.step()',
    );
  } else if (muon) {
    const scale = MUON_SCALE_PYTHON[PARAMETRIZATION_TABLE[doc.parametrization].muonUpdate];
    lines.push(
      "# ---- Optimizer: Muon on the hidden matrices, AdamW on the rest (the lab's Muon) ----",
      '# mup has no Muon. This is the lab\'s, step for step (mup_lab.LabMuon in "Download PyTorch',
      '# trainer" is the same): Nesterov momentum, Keller Jordan\'s Newton-Schulz, the update scaled',
      '# per matrix; a fused qkv is three matrices (its row blocks q, k, v).',
      'def muon_scale(fan_out, fan_in):',
      `    return ${scale}`,
      '',
      'def newton_schulz5(G, steps=NS_STEPS):',
      '    a, b, c = 3.4445, -4.7750, 2.0315',
      '    X = G.float()',
      '    tall = X.size(0) > X.size(1)',
      '    X = X.T if tall else X',
      '    X = X / (X.norm() + 1e-7)',
      '    for _ in range(steps):',
      '        A = X @ X.T',
      '        X = a * X + (b * A + c * A @ A) @ X',
      '    return X.T if tall else X',
      '',
      'hidden = {n: p for n, p in model.named_parameters() if p.infshape.ninf() == 2}',
      'rest = [p for n, p in model.named_parameters() if n not in hidden]',
      'adam = torch.optim.AdamW(',
      "    [{'params': [p for p in rest if p.dim() >= 2], 'weight_decay': WEIGHT_DECAY},",
      "     {'params': [p for p in rest if p.dim() < 2], 'weight_decay': 0.0}],",
      '    lr=LR, betas=BETAS, eps=EPS,',
      ')',
      'bufs = {n: torch.zeros_like(p) for n, p in hidden.items()}',
      '',
      '@torch.no_grad()',
      'def muon_step_(lr_scale=1.0):  # after backward and the clip, beside adam.step()',
      '    lr = LR * lr_scale',
      '    for n, p in hidden.items():',
      '        g, buf = p.grad, bufs[n]',
      '        buf.lerp_(g, 1 - MUON_MOMENTUM)',
      '        u = g.lerp(buf, MUON_MOMENTUM)',
      "        blocks = u.chunk(3, dim=0) if n.endswith('qkv.weight') else (u,)",
      '        update = torch.cat([muon_scale(*b.shape) * newton_schulz5(b) for b in blocks])',
      '        p.mul_(1 - lr * WEIGHT_DECAY).add_(update, alpha=-lr)',
    );
  } else
    lines.push(
      '# ---- Optimizer: gains and biases are not decayed; hidden matrices get ε/m ----',
      'decay = [p for p in model.parameters() if p.dim() >= 2]',
      'no_decay = [p for p in model.parameters() if p.dim() < 2]',
      'optimizer = MuAdamW(',
      "    [{'params': decay, 'weight_decay': WEIGHT_DECAY}, {'params': no_decay, 'weight_decay': 0.0}],",
      '    lr=LR, betas=BETAS, eps=EPS,',
      ')',
      'for group in optimizer.param_groups:',
      "    if group['params'] and all(p.infshape.ninf() == 2 for p in group['params']):",
      "        group['eps'] = EPS / group['params'][0].infshape.width_mult()",
    );
  if (depthOn && sgd) {
    lines.push(
      '# Depth scaling: put the parameters inside the blocks in their own groups and multiply',
      "# their lr by DEPTH_LR_FACTOR, e.g. group['lr'] *= DEPTH_LR_FACTOR",
    );
  } else if (depthOn) {
    lines.push(
      '# Depth scaling: put the parameters inside the blocks in their own groups (hidden matrices',
      '# apart from LayerNorm gains and biases), then multiply their lr by DEPTH_LR_FACTOR and',
      "# their eps by DEPTH_EPS_FACTOR, e.g. group['lr'] *= DEPTH_LR_FACTOR; group['eps'] *= DEPTH_EPS_FACTOR",
    );
  }
  lines.push(
    '# In the training loop: torch.nn.utils.clip_grad_norm_(model.parameters(), GRAD_CLIP)',
    '',
    '# Our matrices are [in, out] (y = x·W); nn.Linear stores [out, in]. Parameter names and base',
    '# shapes (torch layout):',
  );
  for (const [name, shape] of Object.entries(pt.baseShapes)) {
    if (/^blocks\.(?!0\.)/.test(name)) continue;
    lines.push(`#   ${torchParamName(name)}: [${shape.join(', ')}]`);
  }
  if (t.depth > 1) lines.push('#   (blocks 1.. like block 0)');
  return lines.join('\n') + '\n';
}

// ---- The trainer bundle ----------------------------------------------------------------------

/**
 * The text file the trainer command names: the built-in corpora ship in the bundle (corpus.txt,
 * tinyshakespeare.txt);
 * a user's text keeps its file name (without folders or control characters), whatever it is,
 * e.g. "-rf data.txt": the command quotes it and passes it as ./name.
 */
export function trainerTextName(doc: TransferExport): string {
  const data = doc.evidence.config.data;
  if (data.kind === 'synthetic') return 'corpus.txt';
  if (data.kind === 'shakespeare') return TINY_SHAKESPEARE.file;
  // eslint-disable-next-line no-control-regex -- control characters are what is replaced
  const name = (data.name.split(/[\\/]/).pop() ?? '').replace(/[\u0000-\u001f\u007f]/g, '_');
  return name === '' || name === '.' || name === '..' ? 'text.txt' : name;
}

/** `word` as one POSIX shell word: single-quoted, a quote inside written '\\''. */
export function shellQuote(word: string): string {
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

/**
 * `python -m mup_lab.train` for the document's target width and depth, run from the bundle:
 * every path relative to it, passed as ./path (a name starting with "-" is not an option) and
 * quoted. `python` is the interpreter word: train.sh uses "${PYTHON:-python3}".
 */
export function trainerCommand(doc: TransferExport, python = 'python3'): string {
  const t = doc.target.shape;
  const train = doc.evidence.config.train;
  const path = (name: string) => shellQuote(`./${name}`);
  return [
    `${python} -m mup_lab.train`,
    `--export ${path(exportFileName(doc))}`,
    `--text ${path(trainerTextName(doc))}`,
    `--width ${t.width}`,
    `--depth ${t.depth}`,
    `--steps ${train.steps}`,
    `--batch ${train.batch}`,
    `--out ${path('run.json')}`,
  ].join(' ');
}

/** README.txt of the bundle: what is in it and the commands. */
export function trainerReadme(doc: TransferExport): string {
  const kind = doc.evidence.config.data.kind;
  const cmd = trainerCommand(doc);
  return [
    `µP Lab PyTorch trainer, ${PARAMETRIZATION_LABELS[doc.parametrization]} export of ${doc.environment.date.slice(0, 10)}`,
    '',
    `  ${exportFileName(doc)}   the export (hyperparameters tuned at base width ${doc.base.width})`,
    "  mup_lab/             the lab's GPT, µP rules, AdamW and data pipeline in PyTorch (>= 1.13)",
    kind === 'synthetic'
      ? '  corpus.txt           the synthetic corpus the sweep trained on'
      : kind === 'shakespeare'
        ? `  ${TINY_SHAKESPEARE.file}  ${TINY_SHAKESPEARE.label} (${TINY_SHAKESPEARE.repository}), the sweep's text`
        : `  (not included)       your text: put it here as ${trainerTextName(doc)}`,
    '  train.sh             the command below (sh train.sh, or ./train.sh; $PYTHON picks the',
    '                       interpreter, default python3; extra options are passed on)',
    '',
    `Train the target model (width ${doc.target.shape.width}, depth ${doc.target.shape.depth}):`,
    '',
    `  ${cmd}`,
    '',
    'On K GPUs of one machine (DistributedDataParallel, the global --batch split across them):',
    '',
    `  ${cmd.replace('python3 -m', 'torchrun --nproc_per_node=K -m')}`,
    '',
    'Change --width, --depth, --steps and --batch freely: the per-tensor values are recomputed',
    'from the export for any width and depth. Progress goes to stderr, the loss log to run.json.',
    '',
  ].join('\n');
}
