// Pairwise summation of a stream of terms in one thread, shared by the barrier-free 'row' kernel
// variants. A kernel that has `// @use pair_sum` gets this file appended (src/gpu/pipelines.ts)
// and declares the term type, e.g. `alias PairTerm = f32;` (or vec2<f32> to sum two streams).
//
// Slot k holds the sum of a completed block of 2^k consecutive terms; adding term number c merges
// the blocks that the carries of c + 1 close. Fixed order; each term is rounded at most
// floor(log2 n) + 1 times.
struct PairSum {
  slot: array<PairTerm, 32>,
  count: u32,
}

fn pairAdd(s: ptr<function, PairSum>, v: PairTerm) {
  var acc = v;
  var c = (*s).count;
  var k = 0u;
  loop {
    if ((c & 1u) == 0u) {
      break;
    }
    acc = (*s).slot[k] + acc;
    c = c >> 1u;
    k++;
  }
  (*s).slot[k] = acc;
  (*s).count += 1u;
}

// The open blocks from the smallest up (0 + first block is exact).
fn pairTotal(s: ptr<function, PairSum>) -> PairTerm {
  var total = PairTerm(0.0);
  var c = (*s).count;
  var k = 0u;
  loop {
    if (c == 0u) {
      break;
    }
    if ((c & 1u) != 0u) {
      total = total + (*s).slot[k];
    }
    c = c >> 1u;
    k++;
  }
  return total;
}
