//===- Kernels.h - Reference kernels: the oracle for every nnc op ---------===//
//
// Plain, obviously-correct loops that define what every op computes, forward
// and backward, for T = float and T = double (explicitly instantiated in
// Kernels.cpp; no other T links). Generated code and library calls are tested
// against these. Only the C++17 standard library is used.
//
// Layout: every tensor is dense, row-major (the last dimension varies
// fastest); images are NCHW, conv filters OIHW, dense weights [O, K].
// Arithmetic is done in T (float kernels accumulate in float).
//
// ---------------------------------------------------------------------------
// ERROR CONVENTION (one rule for every kernel)
//
//   Every kernel takes a trailing `std::string *error = nullptr`.
//   * Kernels never throw, abort, or read/write out of bounds, whatever the
//     input (malformed tensors included).
//   * On success the result is returned and, if `error` is non-null,
//     `*error` is set to "".
//   * On invalid input (malformed tensor, shape mismatch, bad attribute,
//     label out of range, result larger than kMaxElements) a value-initialized
//     result is returned and `*error` (if non-null) gets a message that starts
//     with the kernel's name. A value-initialized Tensor is the *null tensor*:
//     shape {}, data {}. It is not well formed (a rank-0 tensor holds exactly
//     one element), so `t.wellFormed()` tells an error result from any real
//     one, zero-sized tensors and scalars included. Results that are structs
//     of tensors (BinaryGrads, BatchNormResult, ...) hold null tensors;
//     concatBackward returns an empty vector.
//   A tensor is well formed when every dimension is in [0, kMaxElements], the
//   product of the dimensions is at most kMaxElements and equals data.size().
//   Scalars (losses, accuracy) are rank-0 tensors: shape {}, one element.
//
// ---------------------------------------------------------------------------
// CONVENTIONS, and where Caffe and PyTorch (1.13) differ
//
// * conv2d: cross-correlation (no filter flip), as in both. Output extent
//   Ho = floor((H + 2ph - dh(kh-1) - 1)/sh) + 1 must be >= 1 (PyTorch's
//   "output size is too small" error; Caffe would silently make 0).
// * Pooling output extent, ceil mode: Ho = ceil((H + 2p - k)/s) + 1, then
//   Ho-- if (Ho-1)*s >= H + p. Caffe applies that decrement only when p > 0;
//   PyTorch applies it whenever ceil_mode is set (since 1.8, pytorch/pytorch
//   PR 46558 fixing issue 45357; so in 1.13). We follow PyTorch. The two
//   differ only when p == 0 and s > k, where Caffe's last window lies
//   entirely outside the input (its max pool emits -FLT_MAX and its average
//   pool divides by a non-positive count). Example: H = 5, k = 1, s = 3:
//   PyTorch 2, Caffe 3. Floor mode: Ho = floor((H + 2p - k)/s) + 1 (same in
//   both).
// * Pooling padding: we require 0 <= p < k (Caffe's check); it guarantees
//   every window holds at least one real cell. PyTorch is stricter
//   (p <= k/2); golden tests against PyTorch must respect that.
//   H and W must be >= 1 and H + 2p >= k.
// * Max pool: padded cells never win. Ties: the first maximum in window scan
//   order (row-major: kernel row outer, kernel column inner) wins, and the
//   backward routes dy to that cell (Caffe and PyTorch CPU agree). NaN: we
//   follow PyTorch (`val > max || isnan(val)`): a NaN propagates and the
//   last NaN in scan order is the argmax; Caffe never selects a NaN.
// * Avg pool: divisor = window size counted over the padded input, with the
//   window clipped to [-p, H + p) (Caffe; PyTorch count_include_pad=True,
//   no divisor_override). Only real cells are summed.
// * LRN (across channels, Caffe):
//     scale_c = k + alpha/size * sum_{c' = c-(size-1)/2 .. c+(size-1)/2,
//                                        clipped to [0, C)} x_{c'}^2
//     y_c = x_c * scale_c^(-beta)
//   PyTorch's LocalResponseNorm also divides alpha by size (it averages the
//   squares with a zero-padded avg_pool), so alpha means the same in both.
//   size must be odd (Caffe's check): for even sizes PyTorch's window is
//   [c - size/2, c + (size-1)/2], Caffe's would be the mirror image.
//   Input rank >= 2 with channels on dim 1 (all further dims are spatial).
// * BatchNorm (training): per channel (dim 1) over every other dim; the
//   normalizing variance is the biased one (divide by M = numel/C) in both.
//   (Running statistics are not computed here; note that both frameworks
//   feed the *unbiased* variance M/(M-1)*var into the running average.)
//   Caffe's BatchNorm has no affine part (a separate Scale layer);
//   we include gamma/beta as PyTorch does: y = gamma*xhat + beta.
// * Softmax cross-entropy: mean over N (Caffe's default VALID normalization
//   with no ignore_label == PyTorch reduction='mean' without weights).
// * Accuracy tie rule: see AccuracyTies below (default is the rule the nnc
//   generated code uses, Caffe's "greater or equal": ties count against).
// * Dropout: inverted dropout, y = x * mask / (1 - rate), in both. mask is
//   expected to hold 0/1 (not checked). rate must be in [0, 1]; rate == 1
//   gives all zeros (PyTorch's special case).
// * SGD (Caffe): v = momentum*v + lr*(g + weight_decay*w); w = w - v.
//   PyTorch's SGD keeps v' = momentum*v' + (g + wd*w); w -= lr*v'. With a
//   constant lr and v = v' = 0 at the start, v = lr*v' and the weights are
//   identical; they differ when lr changes between steps.
// * leaky_relu: y = x > 0 ? x : slope*x; dx = x > 0 ? dy : slope*dy (both).
//   relu: dx = x > 0 ? dy : 0 (the gradient at 0 is 0, both).
// * gelu: exact erf form, 0.5*x*(1 + erf(x/sqrt(2))) (PyTorch
//   approximate='none'); backward is the exact derivative.
// * flatten(startDim=1, endDim=-1) merges dims [startDim, endDim] (PyTorch
//   flatten; Caffe's Flatten with axis=1 is the default).
//
//===----------------------------------------------------------------------===//
#ifndef NNC_IR_REFERENCE_KERNELS_H
#define NNC_IR_REFERENCE_KERNELS_H

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <utility>
#include <vector>

namespace nnc::ref {

/// Largest element count (and largest single dimension) any tensor may have.
/// Keeps every size computation far from int64 overflow and every allocation
/// bounded, so hostile shapes and attributes give errors instead of crashes.
inline constexpr int64_t kMaxElements = int64_t(1) << 28;
/// Largest value accepted for any integer attribute (stride, pad, ...).
inline constexpr int64_t kMaxAttr = int64_t(1) << 30;

/// Non-deduced context: lets callers pass `nullptr` for an optional bias and
/// a plain double for a float kernel's scalar argument.
template <typename T> struct NoDeduce {
  using type = T;
};
template <typename T> using NoDeduceT = typename NoDeduce<T>::type;

/// Product of `shape`, or -1 if a dimension is negative or larger than
/// kMaxElements, or the product exceeds kMaxElements.
int64_t checkedNumel(const std::vector<int64_t> &shape);

template <typename T> struct Tensor {
  std::vector<int64_t> shape;
  std::vector<T> data;

  Tensor() = default;
  Tensor(std::vector<int64_t> s, std::vector<T> d)
      : shape(std::move(s)), data(std::move(d)) {}

  /// Zero-filled tensor of the given shape; the null tensor if the shape is
  /// not valid (see checkedNumel).
  static Tensor zeros(std::vector<int64_t> s) {
    Tensor t;
    int64_t n = checkedNumel(s);
    if (n < 0)
      return t;
    t.shape = std::move(s);
    t.data.assign(static_cast<size_t>(n), T(0));
    return t;
  }
  static Tensor scalar(T v) { return Tensor({}, {v}); }

  int64_t rank() const { return static_cast<int64_t>(shape.size()); }
  /// Element count implied by the shape; -1 if the shape is invalid.
  int64_t numel() const { return checkedNumel(shape); }
  bool wellFormed() const {
    int64_t n = numel();
    return n >= 0 && static_cast<uint64_t>(n) == data.size();
  }
  /// Row-major element access. Unchecked: use on well-formed tensors with
  /// in-range indices only (tests and helpers; kernels validate first).
  template <typename... I> T &at(I... idx) {
    return data[offset({static_cast<int64_t>(idx)...})];
  }
  template <typename... I> const T &at(I... idx) const {
    return data[offset({static_cast<int64_t>(idx)...})];
  }
  size_t offset(std::initializer_list<int64_t> idx) const {
    int64_t off = 0;
    size_t d = 0;
    for (int64_t i : idx)
      off = off * shape[d++] + i;
    return static_cast<size_t>(off);
  }
  /// The single value of a rank-0 (or one-element) tensor.
  T item() const { return data.empty() ? T(0) : data[0]; }
};

// ----------------------------------------------------------------- conv2d
// x [N,C,H,W], w [O, C/groups, kh, kw], b [O] or null -> y [N,O,Ho,Wo],
// Ho = floor((H + 2ph - dh(kh-1) - 1)/sh) + 1 (must be >= 1), same for Wo.
// groups must divide C and O. Strides, dilations, groups >= 1; pads >= 0.
struct Conv2dAttrs {
  int64_t sh = 1, sw = 1, ph = 0, pw = 0, dh = 1, dw = 1, groups = 1;
};

template <typename T>
Tensor<T> conv2d(const Tensor<T> &x, const Tensor<T> &w,
                 const NoDeduceT<Tensor<T>> *b, const Conv2dAttrs &a,
                 std::string *error = nullptr);
/// dx for conv2d given dy [N,O,Ho,Wo], w and the shape of x.
template <typename T>
Tensor<T> conv2dBackwardData(const Tensor<T> &dy, const Tensor<T> &w,
                             const std::vector<int64_t> &xShape,
                             const Conv2dAttrs &a,
                             std::string *error = nullptr);
/// dw for conv2d given x, dy and the shape of w.
template <typename T>
Tensor<T> conv2dBackwardFilter(const Tensor<T> &x, const Tensor<T> &dy,
                               const std::vector<int64_t> &wShape,
                               const Conv2dAttrs &a,
                               std::string *error = nullptr);
/// Bias gradient: dy summed over every dim but dim 1 (rank >= 2) -> [dim1].
/// Serves conv (dy [N,O,Ho,Wo]) and dense (dy [N,O]) alike.
template <typename T>
Tensor<T> biasBackward(const Tensor<T> &dy, std::string *error = nullptr);

// ---------------------------------------------------------------- pooling
// x [N,C,H,W] -> y [N,C,Ho,Wo]; see the conventions above for the extent,
// the ceil rule, ties and the average-pool divisor.
struct PoolAttrs {
  int64_t kh = 1, kw = 1, sh = 1, sw = 1, ph = 0, pw = 0;
  bool ceil = false;
};

/// Output extent of one pooled dimension (no validation; -1 if input +
/// 2*pad < kernel). Exposed so shape code can share the exact rule.
int64_t poolOutputSize(int64_t in, int64_t k, int64_t s, int64_t p,
                       bool ceil);
/// Output extent of one convolved dimension (no validation).
int64_t convOutputSize(int64_t in, int64_t k, int64_t s, int64_t p,
                       int64_t d);

template <typename T>
Tensor<T> maxPool(const Tensor<T> &x, const PoolAttrs &a,
                  std::string *error = nullptr);
/// dx: each dy element is added to the argmax cell of its window in x.
template <typename T>
Tensor<T> maxPoolBackward(const Tensor<T> &x, const Tensor<T> &dy,
                          const PoolAttrs &a, std::string *error = nullptr);
template <typename T>
Tensor<T> avgPool(const Tensor<T> &x, const PoolAttrs &a,
                  std::string *error = nullptr);
template <typename T>
Tensor<T> avgPoolBackward(const std::vector<int64_t> &xShape,
                          const Tensor<T> &dy, const PoolAttrs &a,
                          std::string *error = nullptr);

// ------------------------------------------------------------------ dense
// x [N,K], w [O,K], b [O] or null: y = x w^T + b -> [N,O].
// Bias gradient: biasBackward(dy).
template <typename T>
Tensor<T> dense(const Tensor<T> &x, const Tensor<T> &w,
                const NoDeduceT<Tensor<T>> *b, std::string *error = nullptr);
/// dx [N,K] = dy [N,O] * w [O,K].
template <typename T>
Tensor<T> denseBackwardData(const Tensor<T> &dy, const Tensor<T> &w,
                            std::string *error = nullptr);
/// dw [O,K] = dy^T [O,N] * x [N,K].
template <typename T>
Tensor<T> denseBackwardWeights(const Tensor<T> &x, const Tensor<T> &dy,
                               std::string *error = nullptr);

// ------------------------------------------- broadcasting elementwise ops
// NumPy broadcasting: shapes are right-aligned, missing leading dims count
// as 1, and each pair of dims must be equal or one of them 1 (1 vs 0 gives
// 0). Backward returns the gradient of each operand summed back to that
// operand's own shape.
template <typename T> struct BinaryGrads {
  Tensor<T> da, db;
};

/// Broadcast result shape; false (and *error set) if incompatible.
bool broadcastShapes(const std::vector<int64_t> &a,
                     const std::vector<int64_t> &b, std::vector<int64_t> &out,
                     std::string *error = nullptr);
/// Sum `t` (of a shape that `shape` broadcasts to) back down to `shape`.
template <typename T>
Tensor<T> reduceToShape(const Tensor<T> &t, const std::vector<int64_t> &shape,
                        std::string *error = nullptr);

template <typename T>
Tensor<T> add(const Tensor<T> &a, const Tensor<T> &b,
              std::string *error = nullptr);
template <typename T>
Tensor<T> sub(const Tensor<T> &a, const Tensor<T> &b,
              std::string *error = nullptr);
template <typename T>
Tensor<T> mul(const Tensor<T> &a, const Tensor<T> &b,
              std::string *error = nullptr);
template <typename T>
Tensor<T> div(const Tensor<T> &a, const Tensor<T> &b,
              std::string *error = nullptr);
/// dy has the broadcast shape; da = reduce(dy), db = reduce(dy).
template <typename T>
BinaryGrads<T> addBackward(const std::vector<int64_t> &aShape,
                           const std::vector<int64_t> &bShape,
                           const Tensor<T> &dy, std::string *error = nullptr);
/// da = reduce(dy), db = reduce(-dy).
template <typename T>
BinaryGrads<T> subBackward(const std::vector<int64_t> &aShape,
                           const std::vector<int64_t> &bShape,
                           const Tensor<T> &dy, std::string *error = nullptr);
/// da = reduce(dy*b), db = reduce(dy*a).
template <typename T>
BinaryGrads<T> mulBackward(const Tensor<T> &a, const Tensor<T> &b,
                           const Tensor<T> &dy, std::string *error = nullptr);
/// da = reduce(dy/b), db = reduce(-dy*a/b^2).
template <typename T>
BinaryGrads<T> divBackward(const Tensor<T> &a, const Tensor<T> &b,
                           const Tensor<T> &dy, std::string *error = nullptr);

// ---------------------------------------------------- unary activations
// Every backward takes the forward *input* x and dy (same shape).
template <typename T>
Tensor<T> relu(const Tensor<T> &x, std::string *error = nullptr);
template <typename T>
Tensor<T> reluBackward(const Tensor<T> &x, const Tensor<T> &dy,
                       std::string *error = nullptr);
template <typename T>
Tensor<T> leakyRelu(const Tensor<T> &x, double slope,
                    std::string *error = nullptr);
template <typename T>
Tensor<T> leakyReluBackward(const Tensor<T> &x, const Tensor<T> &dy,
                            double slope, std::string *error = nullptr);
template <typename T>
Tensor<T> sigmoid(const Tensor<T> &x, std::string *error = nullptr);
template <typename T>
Tensor<T> sigmoidBackward(const Tensor<T> &x, const Tensor<T> &dy,
                          std::string *error = nullptr);
template <typename T>
Tensor<T> tanh(const Tensor<T> &x, std::string *error = nullptr);
template <typename T>
Tensor<T> tanhBackward(const Tensor<T> &x, const Tensor<T> &dy,
                       std::string *error = nullptr);
template <typename T>
Tensor<T> gelu(const Tensor<T> &x, std::string *error = nullptr);
template <typename T>
Tensor<T> geluBackward(const Tensor<T> &x, const Tensor<T> &dy,
                       std::string *error = nullptr);
/// y = factor * x.
template <typename T>
Tensor<T> scale(const Tensor<T> &x, double factor,
                std::string *error = nullptr);
/// dx = factor * dy.
template <typename T>
Tensor<T> scaleBackward(const Tensor<T> &dy, double factor,
                        std::string *error = nullptr);

// ---------------------------------------------------------------- softmax
// axis in [-rank, rank). Numerically stable (subtracts the max along axis).
template <typename T>
Tensor<T> softmax(const Tensor<T> &x, int64_t axis,
                  std::string *error = nullptr);
/// Takes the forward *output* y: dx = y * (dy - sum_axis(dy * y)).
template <typename T>
Tensor<T> softmaxBackward(const Tensor<T> &y, const Tensor<T> &dy,
                          int64_t axis, std::string *error = nullptr);

// ------------------------------------------------------- shape-only ops
// Data is unchanged (row-major order kept). The backward of flatten and
// reshape is reshape(dy, xShape).
/// Merges dims [startDim, endDim] (negative values count from the end).
template <typename T>
Tensor<T> flatten(const Tensor<T> &x, int64_t startDim = 1,
                  int64_t endDim = -1, std::string *error = nullptr);
/// At most one dim may be -1 (inferred); the element count must match.
template <typename T>
Tensor<T> reshape(const Tensor<T> &x, const std::vector<int64_t> &shape,
                  std::string *error = nullptr);
/// y.shape[i] = x.shape[perm[i]]; perm must be a permutation of 0..rank-1.
template <typename T>
Tensor<T> transpose(const Tensor<T> &x, const std::vector<int64_t> &perm,
                    std::string *error = nullptr);
/// dx = transpose(dy, inverse(perm)).
template <typename T>
Tensor<T> transposeBackward(const Tensor<T> &dy,
                            const std::vector<int64_t> &perm,
                            std::string *error = nullptr);

// ------------------------------------------------------- loss and metrics
/// logits [N,K] (N, K >= 1), labels [N] with values in [0, K) ->
/// scalar mean_n -log softmax(logits[n])[labels[n]].
template <typename T>
Tensor<T> softmaxCrossEntropy(const Tensor<T> &logits,
                              const std::vector<int64_t> &labels,
                              std::string *error = nullptr);
/// dlogits = (softmax(logits) - onehot(labels)) * dloss / N.
template <typename T>
Tensor<T> softmaxCrossEntropyBackward(const Tensor<T> &logits,
                                      const std::vector<int64_t> &labels,
                                      NoDeduceT<T> dloss,
                                      std::string *error = nullptr);

/// How accuracy counts a label whose logit ties with others.
enum class AccuracyTies {
  /// BVLC Caffe's AccuracyLayer (master), nnc's rule: the label is in the
  /// top k iff fewer than k *other* logits are greater than or equal to it
  /// (pessimistic: all-equal logits score 0 for k < K).
  CaffeGreaterOrEqual,
  /// The label is in the top k iff fewer than k logits are strictly greater
  /// than the label's logit (optimistic).
  StrictlyGreater,
};
/// logits [N,K] (N >= 1), labels [N] in [0, K), 1 <= topK <= K ->
/// scalar fraction of rows whose label is among the topK largest logits.
template <typename T>
Tensor<T> accuracy(const Tensor<T> &logits, const std::vector<int64_t> &labels,
                   int64_t topK,
                   AccuracyTies ties = AccuracyTies::CaffeGreaterOrEqual,
                   std::string *error = nullptr);

// ------------------------------------------------------------ normalizers
/// Caffe LRN across channels (see conventions). x rank >= 2, channels on
/// dim 1; size must be odd and >= 1. alpha, beta, k are not checked: a
/// non-positive base k + alpha/size*sum gives inf/NaN, never a crash.
struct LrnAttrs {
  int64_t size = 5;
  double alpha = 1e-4, beta = 0.75, k = 1.0;
};
template <typename T>
Tensor<T> lrn(const Tensor<T> &x, const LrnAttrs &a,
              std::string *error = nullptr);
template <typename T>
Tensor<T> lrnBackward(const Tensor<T> &x, const Tensor<T> &dy,
                      const LrnAttrs &a, std::string *error = nullptr);

template <typename T> struct BatchNormResult {
  Tensor<T> y;
  Tensor<T> mean; ///< [C], batch mean
  Tensor<T> var;  ///< [C], biased batch variance (divides by M)
};
template <typename T> struct BatchNormGrads {
  Tensor<T> dx, dgamma, dbeta;
};
/// Training-mode batch norm. x [N,C,...] (rank >= 2, M = numel/C >= 1),
/// gamma [C], beta [C], eps >= 0:
///   y = gamma * (x - mean) / sqrt(var + eps) + beta.
template <typename T>
BatchNormResult<T> batchNormTraining(const Tensor<T> &x, const Tensor<T> &gamma,
                                     const Tensor<T> &beta, double eps,
                                     std::string *error = nullptr);
/// Gradients of batchNormTraining (the batch statistics are recomputed
/// from x, so they always match):
///   dbeta = sum dy, dgamma = sum dy*xhat,
///   dx = gamma/sqrt(var+eps)/M * (M*dy - dbeta - xhat*dgamma).
template <typename T>
BatchNormGrads<T> batchNormTrainingBackward(const Tensor<T> &x,
                                            const Tensor<T> &gamma,
                                            const Tensor<T> &dy, double eps,
                                            std::string *error = nullptr);

// ---------------------------------------------------------------- dropout
/// y = x * mask / (1 - rate); mask has x's shape; rate in [0, 1]
/// (rate == 1 gives zeros).
template <typename T>
Tensor<T> dropout(const Tensor<T> &x, const Tensor<T> &mask, double rate,
                  std::string *error = nullptr);
/// dx = dy * mask / (1 - rate).
template <typename T>
Tensor<T> dropoutBackward(const Tensor<T> &dy, const Tensor<T> &mask,
                          double rate, std::string *error = nullptr);

// ----------------------------------------------------------------- concat
/// At least one input; equal ranks; equal dims except `axis` (negative
/// counts from the end).
template <typename T>
Tensor<T> concat(const std::vector<Tensor<T>> &inputs, int64_t axis,
                 std::string *error = nullptr);
/// Splits dy back into pieces of the given input shapes (the inverse of
/// concat). Returns an empty vector on error.
template <typename T>
std::vector<Tensor<T>>
concatBackward(const Tensor<T> &dy,
               const std::vector<std::vector<int64_t>> &inputShapes,
               int64_t axis, std::string *error = nullptr);

// -------------------------------------------------------------------- SGD
struct SgdAttrs {
  double lr = 0.01, momentum = 0.0, weightDecay = 0.0;
};
template <typename T> struct SgdResult {
  Tensor<T> w, v; ///< updated weights and momentum buffer
};
/// Caffe's step: v' = momentum*v + lr*(g + weightDecay*w); w' = w - v'.
/// w, v, g must have the same shape.
template <typename T>
SgdResult<T> sgdStep(const Tensor<T> &w, const Tensor<T> &v,
                     const Tensor<T> &g, const SgdAttrs &a,
                     std::string *error = nullptr);

} // namespace nnc::ref

#endif // NNC_IR_REFERENCE_KERNELS_H
