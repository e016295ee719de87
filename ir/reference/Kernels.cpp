//===- Kernels.cpp - Reference kernels ------------------------------------===//
//
// Every kernel first validates all of its inputs (so the loops below can
// index without checks), then runs the plainest loop nest that states the
// definition. See Kernels.h for the conventions and the error rule.
//
//===----------------------------------------------------------------------===//
#include "ir/reference/Kernels.h"

#include <algorithm>
#include <cmath>

namespace nnc::ref {

int64_t checkedNumel(const std::vector<int64_t> &shape) {
  for (int64_t d : shape)
    if (d < 0 || d > kMaxElements)
      return -1;
  for (int64_t d : shape)
    if (d == 0)
      return 0;
  int64_t n = 1;
  for (int64_t d : shape) {
    n *= d; // n <= 2^28 and d <= 2^28 before this: no overflow
    if (n > kMaxElements)
      return -1;
  }
  return n;
}

int64_t poolOutputSize(int64_t in, int64_t k, int64_t s, int64_t p,
                       bool ceil) {
  int64_t span = in + 2 * p - k;
  if (span < 0 || s <= 0)
    return -1;
  int64_t out = (ceil ? (span + s - 1) / s : span / s) + 1;
  // PyTorch's rule (applied whatever p is; Caffe only when p > 0): the last
  // window must start inside the input or its left padding.
  if (ceil && (out - 1) * s >= in + p)
    --out;
  return out;
}

int64_t convOutputSize(int64_t in, int64_t k, int64_t s, int64_t p,
                       int64_t d) {
  int64_t span = in + 2 * p - d * (k - 1) - 1;
  if (span < 0 || s <= 0)
    return span < 0 ? 0 : -1; // floor(negative/s) + 1 <= 0: too small
  return span / s + 1;
}

namespace {

// ------------------------------------------------------------ validation

bool fail(std::string *error, const std::string &op, const std::string &msg) {
  if (error)
    *error = op + ": " + msg;
  return false;
}

void succeed(std::string *error) {
  if (error)
    error->clear();
}

std::string str(const std::vector<int64_t> &shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i) {
    if (i)
      s += ",";
    s += std::to_string(shape[i]);
  }
  return s + "]";
}

bool checkShape(const std::vector<int64_t> &shape, const char *op,
                const char *name, std::string *error) {
  if (checkedNumel(shape) < 0)
    return fail(error, op,
                std::string(name) + " has an invalid shape " + str(shape) +
                    " (negative dimension or more than 2^28 elements)");
  return true;
}

template <typename T>
bool checkTensor(const Tensor<T> &t, const char *op, const char *name,
                 std::string *error) {
  if (!checkShape(t.shape, op, name, error))
    return false;
  if (static_cast<uint64_t>(t.numel()) != t.data.size())
    return fail(error, op,
                std::string(name) + " of shape " + str(t.shape) + " holds " +
                    std::to_string(t.data.size()) + " elements, expected " +
                    std::to_string(t.numel()));
  return true;
}

template <typename T>
bool checkRank(const Tensor<T> &t, int64_t rank, const char *op,
               const char *name, std::string *error) {
  if (!checkTensor(t, op, name, error))
    return false;
  if (t.rank() != rank)
    return fail(error, op,
                std::string(name) + " must have rank " + std::to_string(rank) +
                    ", got shape " + str(t.shape));
  return true;
}

template <typename T>
bool checkSameShape(const Tensor<T> &a, const Tensor<T> &b, const char *op,
                    const char *na, const char *nb, std::string *error) {
  if (!checkTensor(a, op, na, error) || !checkTensor(b, op, nb, error))
    return false;
  if (a.shape != b.shape)
    return fail(error, op,
                std::string(na) + " " + str(a.shape) + " and " + nb + " " +
                    str(b.shape) + " must have the same shape");
  return true;
}

bool checkAttr(int64_t v, int64_t lo, const char *op, const char *name,
               std::string *error) {
  if (v < lo || v > kMaxAttr)
    return fail(error, op,
                std::string(name) + " = " + std::to_string(v) +
                    " is out of range [" + std::to_string(lo) + ", 2^30]");
  return true;
}

bool normalizeAxis(int64_t axis, int64_t rank, int64_t &out, const char *op,
                   std::string *error) {
  if (axis < -rank || axis >= rank || rank == 0)
    return fail(error, op,
                "axis " + std::to_string(axis) + " is out of range for rank " +
                    std::to_string(rank));
  out = axis < 0 ? axis + rank : axis;
  return true;
}

int64_t prod(const std::vector<int64_t> &s, size_t from, size_t to) {
  int64_t p = 1;
  for (size_t i = from; i < to; ++i)
    p *= s[i];
  return p;
}

std::vector<int64_t> rowMajorStrides(const std::vector<int64_t> &shape) {
  std::vector<int64_t> st(shape.size(), 1);
  for (size_t i = shape.size(); i-- > 1;)
    st[i - 1] = st[i] * shape[i];
  return st;
}

// Advances a row-major multi-index over `shape`; false after the last one.
bool nextIndex(std::vector<int64_t> &idx, const std::vector<int64_t> &shape) {
  for (size_t i = idx.size(); i-- > 0;) {
    if (++idx[i] < shape[i])
      return true;
    idx[i] = 0;
  }
  return false;
}

template <typename T, typename F>
Tensor<T> mapUnary(const Tensor<T> &x, const char *op, std::string *error,
                   F f) {
  if (!checkTensor(x, op, "x", error))
    return {};
  Tensor<T> y = Tensor<T>::zeros(x.shape);
  for (size_t i = 0; i < x.data.size(); ++i)
    y.data[i] = f(x.data[i]);
  succeed(error);
  return y;
}

template <typename T, typename F>
Tensor<T> mapUnaryBackward(const Tensor<T> &x, const Tensor<T> &dy,
                           const char *op, std::string *error, F f) {
  if (!checkSameShape(x, dy, op, "x", "dy", error))
    return {};
  Tensor<T> dx = Tensor<T>::zeros(x.shape);
  for (size_t i = 0; i < x.data.size(); ++i)
    dx.data[i] = f(x.data[i], dy.data[i]);
  succeed(error);
  return dx;
}

// ----------------------------------------------------------------- conv

struct ConvGeom {
  int64_t N, C, H, W, O, Cg, Og, kh, kw, Ho, Wo;
};

bool convGeometry(const std::vector<int64_t> &xs,
                  const std::vector<int64_t> &ws, const Conv2dAttrs &a,
                  ConvGeom &g, const char *op, std::string *error) {
  if (!checkAttr(a.sh, 1, op, "stride h", error) ||
      !checkAttr(a.sw, 1, op, "stride w", error) ||
      !checkAttr(a.ph, 0, op, "pad h", error) ||
      !checkAttr(a.pw, 0, op, "pad w", error) ||
      !checkAttr(a.dh, 1, op, "dilation h", error) ||
      !checkAttr(a.dw, 1, op, "dilation w", error) ||
      !checkAttr(a.groups, 1, op, "groups", error))
    return false;
  if (!checkShape(xs, op, "x", error) || !checkShape(ws, op, "w", error))
    return false;
  if (xs.size() != 4)
    return fail(error, op, "x must be [N,C,H,W], got " + str(xs));
  if (ws.size() != 4)
    return fail(error, op, "w must be [O,C/groups,kh,kw], got " + str(ws));
  g.N = xs[0], g.C = xs[1], g.H = xs[2], g.W = xs[3];
  g.O = ws[0], g.kh = ws[2], g.kw = ws[3];
  if (g.C % a.groups != 0 || g.O % a.groups != 0)
    return fail(error, op,
                "groups = " + std::to_string(a.groups) +
                    " must divide the input channels (" + std::to_string(g.C) +
                    ") and the output channels (" + std::to_string(g.O) + ")");
  g.Cg = g.C / a.groups;
  g.Og = g.O / a.groups;
  if (ws[1] != g.Cg)
    return fail(error, op,
                "w " + str(ws) + " must have C/groups = " +
                    std::to_string(g.Cg) + " input channels (x is " + str(xs) +
                    ")");
  if (g.kh < 1 || g.kw < 1)
    return fail(error, op, "the kernel must be at least 1x1, w is " + str(ws));
  g.Ho = convOutputSize(g.H, g.kh, a.sh, a.ph, a.dh);
  g.Wo = convOutputSize(g.W, g.kw, a.sw, a.pw, a.dw);
  if (g.Ho < 1 || g.Wo < 1)
    return fail(error, op,
                "output size is too small: x " + str(xs) + ", w " + str(ws) +
                    " give " + std::to_string(g.Ho) + "x" +
                    std::to_string(g.Wo));
  if (checkedNumel({g.N, g.O, g.Ho, g.Wo}) < 0)
    return fail(error, op, "the output has more than 2^28 elements");
  return true;
}

// Calls f(xOffset, wOffset, yOffset) for every (input cell, weight, output
// cell) triple that the convolution multiplies; padded cells are skipped.
template <typename F>
void convVisit(const ConvGeom &g, const Conv2dAttrs &a, F f) {
  for (int64_t n = 0; n < g.N; ++n)
    for (int64_t o = 0; o < g.O; ++o) {
      int64_t group = o / g.Og;
      for (int64_t oh = 0; oh < g.Ho; ++oh)
        for (int64_t ow = 0; ow < g.Wo; ++ow) {
          int64_t yOff = ((n * g.O + o) * g.Ho + oh) * g.Wo + ow;
          for (int64_t ci = 0; ci < g.Cg; ++ci) {
            int64_t c = group * g.Cg + ci;
            for (int64_t i = 0; i < g.kh; ++i) {
              int64_t ih = oh * a.sh - a.ph + i * a.dh;
              if (ih < 0 || ih >= g.H)
                continue;
              for (int64_t j = 0; j < g.kw; ++j) {
                int64_t iw = ow * a.sw - a.pw + j * a.dw;
                if (iw < 0 || iw >= g.W)
                  continue;
                int64_t xOff = ((n * g.C + c) * g.H + ih) * g.W + iw;
                int64_t wOff = ((o * g.Cg + ci) * g.kh + i) * g.kw + j;
                f(xOff, wOff, yOff);
              }
            }
          }
        }
    }
}

// --------------------------------------------------------------- pooling

struct PoolGeom {
  int64_t N, C, H, W, Ho, Wo;
};

bool poolGeometry(const std::vector<int64_t> &xs, const PoolAttrs &a,
                  PoolGeom &g, const char *op, std::string *error) {
  if (!checkAttr(a.kh, 1, op, "kernel h", error) ||
      !checkAttr(a.kw, 1, op, "kernel w", error) ||
      !checkAttr(a.sh, 1, op, "stride h", error) ||
      !checkAttr(a.sw, 1, op, "stride w", error) ||
      !checkAttr(a.ph, 0, op, "pad h", error) ||
      !checkAttr(a.pw, 0, op, "pad w", error))
    return false;
  if (a.ph >= a.kh || a.pw >= a.kw)
    return fail(error, op, "padding must be smaller than the kernel");
  if (!checkShape(xs, op, "x", error))
    return false;
  if (xs.size() != 4)
    return fail(error, op, "x must be [N,C,H,W], got " + str(xs));
  g.N = xs[0], g.C = xs[1], g.H = xs[2], g.W = xs[3];
  if (g.H < 1 || g.W < 1)
    return fail(error, op, "x must have H, W >= 1, got " + str(xs));
  g.Ho = poolOutputSize(g.H, a.kh, a.sh, a.ph, a.ceil);
  g.Wo = poolOutputSize(g.W, a.kw, a.sw, a.pw, a.ceil);
  if (g.Ho < 1 || g.Wo < 1)
    return fail(error, op,
                "the kernel is larger than the padded input " + str(xs));
  if (checkedNumel({g.N, g.C, g.Ho, g.Wo}) < 0)
    return fail(error, op, "the output has more than 2^28 elements");
  return true;
}

// One pooling window along one dimension: real cells [lo, hi) and the
// count-include-pad extent (window clipped to [-p, in + p)).
struct Window {
  int64_t lo, hi, padded;
};

Window window(int64_t o, int64_t k, int64_t s, int64_t p, int64_t in) {
  int64_t start = o * s - p;
  int64_t end = std::min(start + k, in + p);
  return {std::max<int64_t>(start, 0), std::min(end, in), end - start};
}

// Offset in x of the window's argmax: first maximum in scan order, padded
// cells excluded, NaN wins (PyTorch). Windows always hold a real cell.
template <typename T>
int64_t argmaxInWindow(const T *plane, int64_t W, const Window &wh,
                       const Window &ww) {
  int64_t best = wh.lo * W + ww.lo;
  T bestVal = plane[best];
  for (int64_t h = wh.lo; h < wh.hi; ++h)
    for (int64_t w = ww.lo; w < ww.hi; ++w) {
      T v = plane[h * W + w];
      if (v > bestVal || std::isnan(v)) {
        bestVal = v;
        best = h * W + w;
      }
    }
  return best;
}

// ------------------------------------------------------------ broadcasting

// Strides of `shape` viewed as a tensor of rank `rank` (right-aligned) with
// stride 0 on broadcast (size-1) dims.
std::vector<int64_t> broadcastStrides(const std::vector<int64_t> &shape,
                                      const std::vector<int64_t> &outShape) {
  size_t rank = outShape.size(), off = rank - shape.size();
  std::vector<int64_t> own = rowMajorStrides(shape);
  std::vector<int64_t> st(rank, 0);
  for (size_t i = 0; i < shape.size(); ++i)
    st[off + i] = (shape[i] == 1 && outShape[off + i] != 1) ? 0 : own[i];
  return st;
}

// Calls f(outOffset, aOffset, bOffset) for every element of the broadcast.
template <typename F>
void broadcastVisit(const std::vector<int64_t> &as,
                    const std::vector<int64_t> &bs,
                    const std::vector<int64_t> &out, F f) {
  if (checkedNumel(out) == 0)
    return;
  std::vector<int64_t> sa = broadcastStrides(as, out);
  std::vector<int64_t> sb = broadcastStrides(bs, out);
  std::vector<int64_t> idx(out.size(), 0);
  int64_t o = 0;
  do {
    int64_t ia = 0, ib = 0;
    for (size_t d = 0; d < out.size(); ++d) {
      ia += idx[d] * sa[d];
      ib += idx[d] * sb[d];
    }
    f(o++, ia, ib);
  } while (nextIndex(idx, out));
}

template <typename T, typename F>
Tensor<T> binaryOp(const Tensor<T> &a, const Tensor<T> &b, const char *op,
                   std::string *error, F f) {
  if (!checkTensor(a, op, "a", error) || !checkTensor(b, op, "b", error))
    return {};
  std::vector<int64_t> out;
  std::string err;
  if (!broadcastShapes(a.shape, b.shape, out, &err)) {
    fail(error, op, err);
    return {};
  }
  Tensor<T> y = Tensor<T>::zeros(out);
  if (!y.wellFormed()) {
    fail(error, op, "the result has more than 2^28 elements");
    return {};
  }
  broadcastVisit(a.shape, b.shape, out, [&](int64_t o, int64_t ia, int64_t ib) {
    y.data[o] = f(a.data[ia], b.data[ib]);
  });
  succeed(error);
  return y;
}

// Checks that dy has the broadcast shape of aShape and bShape.
template <typename T>
bool checkBinaryBackward(const std::vector<int64_t> &aShape,
                         const std::vector<int64_t> &bShape,
                         const Tensor<T> &dy, const char *op,
                         std::string *error) {
  if (!checkShape(aShape, op, "a", error) ||
      !checkShape(bShape, op, "b", error) ||
      !checkTensor(dy, op, "dy", error))
    return false;
  std::vector<int64_t> out;
  std::string err;
  if (!broadcastShapes(aShape, bShape, out, &err))
    return fail(error, op, err);
  if (out != dy.shape)
    return fail(error, op,
                "dy " + str(dy.shape) + " must have the broadcast shape " +
                    str(out));
  return true;
}

// Sums per-element gradient contributions ga(o, ia, ib) / gb(...) over the
// broadcast into tensors of the operands' shapes.
template <typename T, typename FA, typename FB>
BinaryGrads<T> binaryGrads(const std::vector<int64_t> &as,
                           const std::vector<int64_t> &bs,
                           const std::vector<int64_t> &out, FA ga, FB gb) {
  BinaryGrads<T> g{Tensor<T>::zeros(as), Tensor<T>::zeros(bs)};
  broadcastVisit(as, bs, out, [&](int64_t o, int64_t ia, int64_t ib) {
    g.da.data[ia] += ga(o, ia, ib);
    g.db.data[ib] += gb(o, ia, ib);
  });
  return g;
}

// ------------------------------------------------------- softmax helpers

struct AxisSplit {
  int64_t outer, n, inner;
};

AxisSplit splitAt(const std::vector<int64_t> &shape, int64_t axis) {
  return {prod(shape, 0, axis), shape[axis],
          prod(shape, axis + 1, shape.size())};
}

template <typename T>
bool checkClassification(const Tensor<T> &logits,
                         const std::vector<int64_t> &labels, const char *op,
                         std::string *error) {
  if (!checkRank(logits, 2, op, "logits", error))
    return false;
  int64_t N = logits.shape[0], K = logits.shape[1];
  if (N < 1 || K < 1)
    return fail(error, op,
                "logits must be [N,K] with N, K >= 1, got " +
                    str(logits.shape));
  if (static_cast<int64_t>(labels.size()) != N)
    return fail(error, op,
                "expected " + std::to_string(N) + " labels, got " +
                    std::to_string(labels.size()));
  for (size_t n = 0; n < labels.size(); ++n)
    if (labels[n] < 0 || labels[n] >= K)
      return fail(error, op,
                  "label " + std::to_string(labels[n]) + " of row " +
                      std::to_string(n) + " is outside [0, " +
                      std::to_string(K) + ")");
  return true;
}

// Row-wise log-sum-exp, stable (subtracts the row max).
template <typename T> T logSumExp(const T *row, int64_t K) {
  T m = row[0];
  for (int64_t k = 1; k < K; ++k)
    m = std::max(m, row[k]);
  T s = 0;
  for (int64_t k = 0; k < K; ++k)
    s += std::exp(row[k] - m);
  return m + std::log(s);
}

// ------------------------------------------------------- batch norm helper

template <typename T>
bool checkBatchNorm(const Tensor<T> &x, const Tensor<T> &gamma, double eps,
                    const char *op, std::string *error) {
  if (!checkTensor(x, op, "x", error) ||
      !checkTensor(gamma, op, "gamma", error))
    return false;
  if (x.rank() < 2)
    return fail(error, op, "x must have rank >= 2, got " + str(x.shape));
  if (gamma.shape != std::vector<int64_t>{x.shape[1]})
    return fail(error, op,
                "gamma " + str(gamma.shape) + " must be [C] = [" +
                    std::to_string(x.shape[1]) + "]");
  if (x.shape[0] * prod(x.shape, 2, x.shape.size()) < 1)
    return fail(error, op,
                "each channel needs at least one value, x is " + str(x.shape));
  if (!(eps >= 0) || std::isinf(eps))
    return fail(error, op, "eps must be finite and >= 0");
  return true;
}

template <typename T>
void channelStats(const Tensor<T> &x, std::vector<T> &mean,
                  std::vector<T> &var) {
  int64_t N = x.shape[0], C = x.shape[1], S = prod(x.shape, 2, x.shape.size());
  T M = static_cast<T>(N * S);
  mean.assign(C, T(0));
  var.assign(C, T(0));
  for (int64_t c = 0; c < C; ++c) {
    T s = 0;
    for (int64_t n = 0; n < N; ++n)
      for (int64_t i = 0; i < S; ++i)
        s += x.data[(n * C + c) * S + i];
    mean[c] = s / M;
    T q = 0;
    for (int64_t n = 0; n < N; ++n)
      for (int64_t i = 0; i < S; ++i) {
        T d = x.data[(n * C + c) * S + i] - mean[c];
        q += d * d;
      }
    var[c] = q / M;
  }
}

bool checkRate(double rate, const char *op, std::string *error) {
  if (!(rate >= 0 && rate <= 1))
    return fail(error, op, "rate must be in [0, 1]");
  return true;
}

bool checkLrn(const LrnAttrs &a, const char *op, std::string *error) {
  if (!checkAttr(a.size, 1, op, "size", error))
    return false;
  if (a.size % 2 == 0)
    return fail(error, op,
                "size must be odd (Caffe's rule; even sizes center "
                "differently in PyTorch), got " +
                    std::to_string(a.size));
  return true;
}

} // namespace

// ===================================================================== conv

template <typename T>
Tensor<T> conv2d(const Tensor<T> &x, const Tensor<T> &w,
                 const NoDeduceT<Tensor<T>> *b, const Conv2dAttrs &a,
                 std::string *error) {
  const char *op = "conv2d";
  ConvGeom g;
  if (!checkTensor(x, op, "x", error) || !checkTensor(w, op, "w", error) ||
      !convGeometry(x.shape, w.shape, a, g, op, error))
    return {};
  if (b) {
    if (!checkTensor(*b, op, "b", error))
      return {};
    if (b->shape != std::vector<int64_t>{g.O}) {
      fail(error, op,
           "b " + str(b->shape) + " must be [O] = [" + std::to_string(g.O) +
               "]");
      return {};
    }
  }
  Tensor<T> y = Tensor<T>::zeros({g.N, g.O, g.Ho, g.Wo});
  if (b)
    for (int64_t n = 0; n < g.N; ++n)
      for (int64_t o = 0; o < g.O; ++o)
        for (int64_t i = 0; i < g.Ho * g.Wo; ++i)
          y.data[(n * g.O + o) * g.Ho * g.Wo + i] = b->data[o];
  convVisit(g, a, [&](int64_t xo, int64_t wo, int64_t yo) {
    y.data[yo] += x.data[xo] * w.data[wo];
  });
  succeed(error);
  return y;
}

template <typename T>
Tensor<T> conv2dBackwardData(const Tensor<T> &dy, const Tensor<T> &w,
                             const std::vector<int64_t> &xShape,
                             const Conv2dAttrs &a, std::string *error) {
  const char *op = "conv2dBackwardData";
  ConvGeom g;
  if (!checkTensor(dy, op, "dy", error) || !checkTensor(w, op, "w", error) ||
      !convGeometry(xShape, w.shape, a, g, op, error))
    return {};
  std::vector<int64_t> ys{g.N, g.O, g.Ho, g.Wo};
  if (dy.shape != ys) {
    fail(error, op, "dy " + str(dy.shape) + " must be " + str(ys));
    return {};
  }
  Tensor<T> dx = Tensor<T>::zeros(xShape);
  convVisit(g, a, [&](int64_t xo, int64_t wo, int64_t yo) {
    dx.data[xo] += dy.data[yo] * w.data[wo];
  });
  succeed(error);
  return dx;
}

template <typename T>
Tensor<T> conv2dBackwardFilter(const Tensor<T> &x, const Tensor<T> &dy,
                               const std::vector<int64_t> &wShape,
                               const Conv2dAttrs &a, std::string *error) {
  const char *op = "conv2dBackwardFilter";
  ConvGeom g;
  if (!checkTensor(x, op, "x", error) || !checkTensor(dy, op, "dy", error) ||
      !convGeometry(x.shape, wShape, a, g, op, error))
    return {};
  std::vector<int64_t> ys{g.N, g.O, g.Ho, g.Wo};
  if (dy.shape != ys) {
    fail(error, op, "dy " + str(dy.shape) + " must be " + str(ys));
    return {};
  }
  Tensor<T> dw = Tensor<T>::zeros(wShape);
  convVisit(g, a, [&](int64_t xo, int64_t wo, int64_t yo) {
    dw.data[wo] += x.data[xo] * dy.data[yo];
  });
  succeed(error);
  return dw;
}

template <typename T>
Tensor<T> biasBackward(const Tensor<T> &dy, std::string *error) {
  const char *op = "biasBackward";
  if (!checkTensor(dy, op, "dy", error))
    return {};
  if (dy.rank() < 2) {
    fail(error, op, "dy must have rank >= 2, got " + str(dy.shape));
    return {};
  }
  int64_t N = dy.shape[0], C = dy.shape[1];
  int64_t S = prod(dy.shape, 2, dy.shape.size());
  Tensor<T> db = Tensor<T>::zeros({C});
  for (int64_t n = 0; n < N; ++n)
    for (int64_t c = 0; c < C; ++c)
      for (int64_t i = 0; i < S; ++i)
        db.data[c] += dy.data[(n * C + c) * S + i];
  succeed(error);
  return db;
}

// ================================================================== pooling

template <typename T>
Tensor<T> maxPool(const Tensor<T> &x, const PoolAttrs &a, std::string *error) {
  const char *op = "maxPool";
  PoolGeom g;
  if (!checkTensor(x, op, "x", error) ||
      !poolGeometry(x.shape, a, g, op, error))
    return {};
  Tensor<T> y = Tensor<T>::zeros({g.N, g.C, g.Ho, g.Wo});
  for (int64_t nc = 0; nc < g.N * g.C; ++nc) {
    const T *plane = x.data.data() + nc * g.H * g.W;
    for (int64_t oh = 0; oh < g.Ho; ++oh)
      for (int64_t ow = 0; ow < g.Wo; ++ow) {
        Window wh = window(oh, a.kh, a.sh, a.ph, g.H);
        Window ww = window(ow, a.kw, a.sw, a.pw, g.W);
        y.data[(nc * g.Ho + oh) * g.Wo + ow] =
            plane[argmaxInWindow(plane, g.W, wh, ww)];
      }
  }
  succeed(error);
  return y;
}

template <typename T>
Tensor<T> maxPoolBackward(const Tensor<T> &x, const Tensor<T> &dy,
                          const PoolAttrs &a, std::string *error) {
  const char *op = "maxPoolBackward";
  PoolGeom g;
  if (!checkTensor(x, op, "x", error) || !checkTensor(dy, op, "dy", error) ||
      !poolGeometry(x.shape, a, g, op, error))
    return {};
  std::vector<int64_t> ys{g.N, g.C, g.Ho, g.Wo};
  if (dy.shape != ys) {
    fail(error, op, "dy " + str(dy.shape) + " must be " + str(ys));
    return {};
  }
  Tensor<T> dx = Tensor<T>::zeros(x.shape);
  for (int64_t nc = 0; nc < g.N * g.C; ++nc) {
    const T *plane = x.data.data() + nc * g.H * g.W;
    for (int64_t oh = 0; oh < g.Ho; ++oh)
      for (int64_t ow = 0; ow < g.Wo; ++ow) {
        Window wh = window(oh, a.kh, a.sh, a.ph, g.H);
        Window ww = window(ow, a.kw, a.sw, a.pw, g.W);
        dx.data[nc * g.H * g.W + argmaxInWindow(plane, g.W, wh, ww)] +=
            dy.data[(nc * g.Ho + oh) * g.Wo + ow];
      }
  }
  succeed(error);
  return dx;
}

template <typename T>
Tensor<T> avgPool(const Tensor<T> &x, const PoolAttrs &a, std::string *error) {
  const char *op = "avgPool";
  PoolGeom g;
  if (!checkTensor(x, op, "x", error) ||
      !poolGeometry(x.shape, a, g, op, error))
    return {};
  Tensor<T> y = Tensor<T>::zeros({g.N, g.C, g.Ho, g.Wo});
  for (int64_t nc = 0; nc < g.N * g.C; ++nc)
    for (int64_t oh = 0; oh < g.Ho; ++oh)
      for (int64_t ow = 0; ow < g.Wo; ++ow) {
        Window wh = window(oh, a.kh, a.sh, a.ph, g.H);
        Window ww = window(ow, a.kw, a.sw, a.pw, g.W);
        T s = 0;
        for (int64_t h = wh.lo; h < wh.hi; ++h)
          for (int64_t w = ww.lo; w < ww.hi; ++w)
            s += x.data[(nc * g.H + h) * g.W + w];
        y.data[(nc * g.Ho + oh) * g.Wo + ow] =
            s / static_cast<T>(wh.padded * ww.padded);
      }
  succeed(error);
  return y;
}

template <typename T>
Tensor<T> avgPoolBackward(const std::vector<int64_t> &xShape,
                          const Tensor<T> &dy, const PoolAttrs &a,
                          std::string *error) {
  const char *op = "avgPoolBackward";
  PoolGeom g;
  if (!checkTensor(dy, op, "dy", error) ||
      !poolGeometry(xShape, a, g, op, error))
    return {};
  std::vector<int64_t> ys{g.N, g.C, g.Ho, g.Wo};
  if (dy.shape != ys) {
    fail(error, op, "dy " + str(dy.shape) + " must be " + str(ys));
    return {};
  }
  Tensor<T> dx = Tensor<T>::zeros(xShape);
  for (int64_t nc = 0; nc < g.N * g.C; ++nc)
    for (int64_t oh = 0; oh < g.Ho; ++oh)
      for (int64_t ow = 0; ow < g.Wo; ++ow) {
        Window wh = window(oh, a.kh, a.sh, a.ph, g.H);
        Window ww = window(ow, a.kw, a.sw, a.pw, g.W);
        T share = dy.data[(nc * g.Ho + oh) * g.Wo + ow] /
                  static_cast<T>(wh.padded * ww.padded);
        for (int64_t h = wh.lo; h < wh.hi; ++h)
          for (int64_t w = ww.lo; w < ww.hi; ++w)
            dx.data[(nc * g.H + h) * g.W + w] += share;
      }
  succeed(error);
  return dx;
}

// ==================================================================== dense

template <typename T>
Tensor<T> dense(const Tensor<T> &x, const Tensor<T> &w,
                const NoDeduceT<Tensor<T>> *b, std::string *error) {
  const char *op = "dense";
  if (!checkRank(x, 2, op, "x", error) || !checkRank(w, 2, op, "w", error))
    return {};
  int64_t N = x.shape[0], K = x.shape[1], O = w.shape[0];
  if (w.shape[1] != K) {
    fail(error, op,
         "w " + str(w.shape) + " must be [O," + std::to_string(K) +
             "] for x " + str(x.shape));
    return {};
  }
  if (b) {
    if (!checkTensor(*b, op, "b", error))
      return {};
    if (b->shape != std::vector<int64_t>{O}) {
      fail(error, op,
           "b " + str(b->shape) + " must be [" + std::to_string(O) + "]");
      return {};
    }
  }
  Tensor<T> y = Tensor<T>::zeros({N, O});
  if (!y.wellFormed()) {
    fail(error, op, "the output has more than 2^28 elements");
    return {};
  }
  for (int64_t n = 0; n < N; ++n)
    for (int64_t o = 0; o < O; ++o) {
      T s = b ? b->data[o] : T(0);
      for (int64_t k = 0; k < K; ++k)
        s += x.data[n * K + k] * w.data[o * K + k];
      y.data[n * O + o] = s;
    }
  succeed(error);
  return y;
}

template <typename T>
Tensor<T> denseBackwardData(const Tensor<T> &dy, const Tensor<T> &w,
                            std::string *error) {
  const char *op = "denseBackwardData";
  if (!checkRank(dy, 2, op, "dy", error) || !checkRank(w, 2, op, "w", error))
    return {};
  int64_t N = dy.shape[0], O = dy.shape[1], K = w.shape[1];
  if (w.shape[0] != O) {
    fail(error, op,
         "w " + str(w.shape) + " must have " + std::to_string(O) +
             " rows to match dy " + str(dy.shape));
    return {};
  }
  Tensor<T> dx = Tensor<T>::zeros({N, K});
  if (!dx.wellFormed()) {
    fail(error, op, "the output has more than 2^28 elements");
    return {};
  }
  for (int64_t n = 0; n < N; ++n)
    for (int64_t k = 0; k < K; ++k) {
      T s = 0;
      for (int64_t o = 0; o < O; ++o)
        s += dy.data[n * O + o] * w.data[o * K + k];
      dx.data[n * K + k] = s;
    }
  succeed(error);
  return dx;
}

template <typename T>
Tensor<T> denseBackwardWeights(const Tensor<T> &x, const Tensor<T> &dy,
                               std::string *error) {
  const char *op = "denseBackwardWeights";
  if (!checkRank(x, 2, op, "x", error) || !checkRank(dy, 2, op, "dy", error))
    return {};
  int64_t N = x.shape[0], K = x.shape[1], O = dy.shape[1];
  if (dy.shape[0] != N) {
    fail(error, op,
         "dy " + str(dy.shape) + " and x " + str(x.shape) +
             " must have the same batch size");
    return {};
  }
  Tensor<T> dw = Tensor<T>::zeros({O, K});
  if (!dw.wellFormed()) {
    fail(error, op, "the output has more than 2^28 elements");
    return {};
  }
  for (int64_t o = 0; o < O; ++o)
    for (int64_t k = 0; k < K; ++k) {
      T s = 0;
      for (int64_t n = 0; n < N; ++n)
        s += dy.data[n * O + o] * x.data[n * K + k];
      dw.data[o * K + k] = s;
    }
  succeed(error);
  return dw;
}

// ============================================================ elementwise

bool broadcastShapes(const std::vector<int64_t> &a,
                     const std::vector<int64_t> &b, std::vector<int64_t> &out,
                     std::string *error) {
  size_t rank = std::max(a.size(), b.size());
  out.assign(rank, 1);
  for (size_t i = 0; i < rank; ++i) {
    int64_t da = i < rank - a.size() ? 1 : a[i - (rank - a.size())];
    int64_t db = i < rank - b.size() ? 1 : b[i - (rank - b.size())];
    if (da == db || db == 1)
      out[i] = da;
    else if (da == 1)
      out[i] = db;
    else {
      if (error)
        *error = "shapes " + str(a) + " and " + str(b) +
                 " do not broadcast (dimension " + std::to_string(i) + ")";
      return false;
    }
  }
  if (error)
    error->clear();
  return true;
}

template <typename T>
Tensor<T> reduceToShape(const Tensor<T> &t, const std::vector<int64_t> &shape,
                        std::string *error) {
  const char *op = "reduceToShape";
  if (!checkTensor(t, op, "t", error) ||
      !checkShape(shape, op, "shape", error))
    return {};
  std::vector<int64_t> out;
  if (!broadcastShapes(shape, t.shape, out) || out != t.shape) {
    fail(error, op,
         "shape " + str(shape) + " does not broadcast to " + str(t.shape));
    return {};
  }
  Tensor<T> r = Tensor<T>::zeros(shape);
  broadcastVisit(shape, t.shape, out, [&](int64_t o, int64_t ir, int64_t) {
    r.data[ir] += t.data[o];
  });
  succeed(error);
  return r;
}

template <typename T>
Tensor<T> add(const Tensor<T> &a, const Tensor<T> &b, std::string *error) {
  return binaryOp(a, b, "add", error, [](T u, T v) { return u + v; });
}
template <typename T>
Tensor<T> sub(const Tensor<T> &a, const Tensor<T> &b, std::string *error) {
  return binaryOp(a, b, "sub", error, [](T u, T v) { return u - v; });
}
template <typename T>
Tensor<T> mul(const Tensor<T> &a, const Tensor<T> &b, std::string *error) {
  return binaryOp(a, b, "mul", error, [](T u, T v) { return u * v; });
}
template <typename T>
Tensor<T> div(const Tensor<T> &a, const Tensor<T> &b, std::string *error) {
  return binaryOp(a, b, "div", error, [](T u, T v) { return u / v; });
}

template <typename T>
BinaryGrads<T> addBackward(const std::vector<int64_t> &aShape,
                           const std::vector<int64_t> &bShape,
                           const Tensor<T> &dy, std::string *error) {
  if (!checkBinaryBackward(aShape, bShape, dy, "addBackward", error))
    return {};
  succeed(error);
  return binaryGrads<T>(
      aShape, bShape, dy.shape,
      [&](int64_t o, int64_t, int64_t) { return dy.data[o]; },
      [&](int64_t o, int64_t, int64_t) { return dy.data[o]; });
}

template <typename T>
BinaryGrads<T> subBackward(const std::vector<int64_t> &aShape,
                           const std::vector<int64_t> &bShape,
                           const Tensor<T> &dy, std::string *error) {
  if (!checkBinaryBackward(aShape, bShape, dy, "subBackward", error))
    return {};
  succeed(error);
  return binaryGrads<T>(
      aShape, bShape, dy.shape,
      [&](int64_t o, int64_t, int64_t) { return dy.data[o]; },
      [&](int64_t o, int64_t, int64_t) { return -dy.data[o]; });
}

template <typename T>
BinaryGrads<T> mulBackward(const Tensor<T> &a, const Tensor<T> &b,
                           const Tensor<T> &dy, std::string *error) {
  const char *op = "mulBackward";
  if (!checkTensor(a, op, "a", error) || !checkTensor(b, op, "b", error) ||
      !checkBinaryBackward(a.shape, b.shape, dy, op, error))
    return {};
  succeed(error);
  return binaryGrads<T>(
      a.shape, b.shape, dy.shape,
      [&](int64_t o, int64_t, int64_t ib) { return dy.data[o] * b.data[ib]; },
      [&](int64_t o, int64_t ia, int64_t) { return dy.data[o] * a.data[ia]; });
}

template <typename T>
BinaryGrads<T> divBackward(const Tensor<T> &a, const Tensor<T> &b,
                           const Tensor<T> &dy, std::string *error) {
  const char *op = "divBackward";
  if (!checkTensor(a, op, "a", error) || !checkTensor(b, op, "b", error) ||
      !checkBinaryBackward(a.shape, b.shape, dy, op, error))
    return {};
  succeed(error);
  return binaryGrads<T>(
      a.shape, b.shape, dy.shape,
      [&](int64_t o, int64_t, int64_t ib) { return dy.data[o] / b.data[ib]; },
      [&](int64_t o, int64_t ia, int64_t ib) {
        return -dy.data[o] * a.data[ia] / (b.data[ib] * b.data[ib]);
      });
}

// ============================================================== activations

template <typename T>
Tensor<T> relu(const Tensor<T> &x, std::string *error) {
  return mapUnary(x, "relu", error, [](T v) { return v > 0 ? v : T(0); });
}
template <typename T>
Tensor<T> reluBackward(const Tensor<T> &x, const Tensor<T> &dy,
                       std::string *error) {
  return mapUnaryBackward(x, dy, "reluBackward", error,
                          [](T v, T d) { return v > 0 ? d : T(0); });
}

template <typename T>
Tensor<T> leakyRelu(const Tensor<T> &x, double slope, std::string *error) {
  T s = static_cast<T>(slope);
  return mapUnary(x, "leakyRelu", error,
                  [s](T v) { return v > 0 ? v : s * v; });
}
template <typename T>
Tensor<T> leakyReluBackward(const Tensor<T> &x, const Tensor<T> &dy,
                            double slope, std::string *error) {
  T s = static_cast<T>(slope);
  return mapUnaryBackward(x, dy, "leakyReluBackward", error,
                          [s](T v, T d) { return v > 0 ? d : s * d; });
}

template <typename T> static T sigmoidOf(T v) {
  // Stable on both tails: exp never overflows into inf/inf.
  if (v >= 0)
    return T(1) / (T(1) + std::exp(-v));
  T e = std::exp(v);
  return e / (T(1) + e);
}
template <typename T>
Tensor<T> sigmoid(const Tensor<T> &x, std::string *error) {
  return mapUnary(x, "sigmoid", error, [](T v) { return sigmoidOf(v); });
}
template <typename T>
Tensor<T> sigmoidBackward(const Tensor<T> &x, const Tensor<T> &dy,
                          std::string *error) {
  return mapUnaryBackward(x, dy, "sigmoidBackward", error, [](T v, T d) {
    T s = sigmoidOf(v);
    return d * s * (T(1) - s);
  });
}

template <typename T>
Tensor<T> tanh(const Tensor<T> &x, std::string *error) {
  return mapUnary(x, "tanh", error, [](T v) { return std::tanh(v); });
}
template <typename T>
Tensor<T> tanhBackward(const Tensor<T> &x, const Tensor<T> &dy,
                       std::string *error) {
  return mapUnaryBackward(x, dy, "tanhBackward", error, [](T v, T d) {
    T t = std::tanh(v);
    return d * (T(1) - t * t);
  });
}

template <typename T>
Tensor<T> gelu(const Tensor<T> &x, std::string *error) {
  return mapUnary(x, "gelu", error, [](T v) {
    const T invSqrt2 = T(0.70710678118654752440);
    return T(0.5) * v * (T(1) + std::erf(v * invSqrt2));
  });
}
template <typename T>
Tensor<T> geluBackward(const Tensor<T> &x, const Tensor<T> &dy,
                       std::string *error) {
  return mapUnaryBackward(x, dy, "geluBackward", error, [](T v, T d) {
    const T invSqrt2 = T(0.70710678118654752440);
    const T invSqrt2Pi = T(0.39894228040143267794);
    T cdf = T(0.5) * (T(1) + std::erf(v * invSqrt2));
    T pdf = invSqrt2Pi * std::exp(T(-0.5) * v * v);
    return d * (cdf + v * pdf);
  });
}

template <typename T>
Tensor<T> scale(const Tensor<T> &x, double factor, std::string *error) {
  T f = static_cast<T>(factor);
  return mapUnary(x, "scale", error, [f](T v) { return f * v; });
}
template <typename T>
Tensor<T> scaleBackward(const Tensor<T> &dy, double factor,
                        std::string *error) {
  T f = static_cast<T>(factor);
  return mapUnary(dy, "scaleBackward", error, [f](T v) { return f * v; });
}

// ================================================================== softmax

template <typename T>
Tensor<T> softmax(const Tensor<T> &x, int64_t axis, std::string *error) {
  const char *op = "softmax";
  int64_t ax;
  if (!checkTensor(x, op, "x", error) ||
      !normalizeAxis(axis, x.rank(), ax, op, error))
    return {};
  AxisSplit s = splitAt(x.shape, ax);
  Tensor<T> y = Tensor<T>::zeros(x.shape);
  for (int64_t o = 0; o < s.outer; ++o)
    for (int64_t i = 0; i < s.inner; ++i) {
      auto at = [&](int64_t k) { return (o * s.n + k) * s.inner + i; };
      if (s.n == 0)
        continue;
      T m = x.data[at(0)];
      for (int64_t k = 1; k < s.n; ++k)
        m = std::max(m, x.data[at(k)]);
      T sum = 0;
      for (int64_t k = 0; k < s.n; ++k) {
        y.data[at(k)] = std::exp(x.data[at(k)] - m);
        sum += y.data[at(k)];
      }
      for (int64_t k = 0; k < s.n; ++k)
        y.data[at(k)] /= sum;
    }
  succeed(error);
  return y;
}

template <typename T>
Tensor<T> softmaxBackward(const Tensor<T> &y, const Tensor<T> &dy,
                          int64_t axis, std::string *error) {
  const char *op = "softmaxBackward";
  int64_t ax;
  if (!checkSameShape(y, dy, op, "y", "dy", error) ||
      !normalizeAxis(axis, y.rank(), ax, op, error))
    return {};
  AxisSplit s = splitAt(y.shape, ax);
  Tensor<T> dx = Tensor<T>::zeros(y.shape);
  for (int64_t o = 0; o < s.outer; ++o)
    for (int64_t i = 0; i < s.inner; ++i) {
      auto at = [&](int64_t k) { return (o * s.n + k) * s.inner + i; };
      T dot = 0;
      for (int64_t k = 0; k < s.n; ++k)
        dot += dy.data[at(k)] * y.data[at(k)];
      for (int64_t k = 0; k < s.n; ++k)
        dx.data[at(k)] = y.data[at(k)] * (dy.data[at(k)] - dot);
    }
  succeed(error);
  return dx;
}

// ============================================================ shape-only

template <typename T>
Tensor<T> flatten(const Tensor<T> &x, int64_t startDim, int64_t endDim,
                  std::string *error) {
  const char *op = "flatten";
  if (!checkTensor(x, op, "x", error))
    return {};
  int64_t r = x.rank();
  if (r == 0) { // PyTorch: flattening a scalar gives [1]
    succeed(error);
    return Tensor<T>({1}, x.data);
  }
  int64_t s, e;
  if (!normalizeAxis(startDim, r, s, op, error) ||
      !normalizeAxis(endDim, r, e, op, error))
    return {};
  if (s > e) {
    fail(error, op, "startDim must not come after endDim");
    return {};
  }
  std::vector<int64_t> shape(x.shape.begin(), x.shape.begin() + s);
  shape.push_back(prod(x.shape, s, e + 1));
  shape.insert(shape.end(), x.shape.begin() + e + 1, x.shape.end());
  succeed(error);
  return Tensor<T>(shape, x.data);
}

template <typename T>
Tensor<T> reshape(const Tensor<T> &x, const std::vector<int64_t> &shape,
                  std::string *error) {
  const char *op = "reshape";
  if (!checkTensor(x, op, "x", error))
    return {};
  std::vector<int64_t> out = shape;
  int64_t inferred = -1;
  for (size_t i = 0; i < out.size(); ++i)
    if (out[i] == -1) {
      if (inferred >= 0) {
        fail(error, op, "more than one -1 in " + str(shape));
        return {};
      }
      inferred = static_cast<int64_t>(i);
      out[i] = 1;
    }
  if (!checkShape(out, op, "shape", error))
    return {};
  int64_t known = checkedNumel(out), n = x.numel();
  if (inferred >= 0) {
    if (known == 0 || n % known != 0) {
      fail(error, op,
           "cannot infer the -1 in " + str(shape) + " for " +
               std::to_string(n) + " elements");
      return {};
    }
    out[inferred] = n / known;
  }
  if (checkedNumel(out) != n) {
    fail(error, op,
         "shape " + str(shape) + " does not hold the " + std::to_string(n) +
             " elements of x " + str(x.shape));
    return {};
  }
  succeed(error);
  return Tensor<T>(out, x.data);
}

template <typename T>
Tensor<T> transpose(const Tensor<T> &x, const std::vector<int64_t> &perm,
                    std::string *error) {
  const char *op = "transpose";
  if (!checkTensor(x, op, "x", error))
    return {};
  size_t r = x.shape.size();
  std::vector<bool> seen(r, false);
  bool okPerm = perm.size() == r;
  for (size_t i = 0; okPerm && i < r; ++i) {
    if (perm[i] < 0 || perm[i] >= static_cast<int64_t>(r) || seen[perm[i]])
      okPerm = false;
    else
      seen[perm[i]] = true;
  }
  if (!okPerm) {
    fail(error, op,
         str(perm) + " is not a permutation of the " + std::to_string(r) +
             " dims of x");
    return {};
  }
  std::vector<int64_t> outShape(r), inStrides = rowMajorStrides(x.shape);
  for (size_t i = 0; i < r; ++i)
    outShape[i] = x.shape[perm[i]];
  Tensor<T> y = Tensor<T>::zeros(outShape);
  if (!y.data.empty()) {
    std::vector<int64_t> idx(r, 0);
    int64_t o = 0;
    do {
      int64_t in = 0;
      for (size_t i = 0; i < r; ++i)
        in += idx[i] * inStrides[perm[i]];
      y.data[o++] = x.data[in];
    } while (nextIndex(idx, outShape));
  }
  succeed(error);
  return y;
}

template <typename T>
Tensor<T> transposeBackward(const Tensor<T> &dy,
                            const std::vector<int64_t> &perm,
                            std::string *error) {
  const char *op = "transposeBackward";
  size_t r = perm.size();
  std::vector<int64_t> inverse(r, -1);
  for (size_t i = 0; i < r; ++i) {
    if (perm[i] < 0 || perm[i] >= static_cast<int64_t>(r) ||
        inverse[perm[i]] != -1) {
      fail(error, op, str(perm) + " is not a permutation");
      return {};
    }
    inverse[perm[i]] = static_cast<int64_t>(i);
  }
  std::string err;
  Tensor<T> dx = transpose(dy, inverse, &err);
  if (!err.empty()) {
    fail(error, op, err);
    return {};
  }
  succeed(error);
  return dx;
}

// ========================================================= loss, metrics

template <typename T>
Tensor<T> softmaxCrossEntropy(const Tensor<T> &logits,
                              const std::vector<int64_t> &labels,
                              std::string *error) {
  if (!checkClassification(logits, labels, "softmaxCrossEntropy", error))
    return {};
  int64_t N = logits.shape[0], K = logits.shape[1];
  T total = 0;
  for (int64_t n = 0; n < N; ++n) {
    const T *row = logits.data.data() + n * K;
    total += logSumExp(row, K) - row[labels[n]];
  }
  succeed(error);
  return Tensor<T>::scalar(total / static_cast<T>(N));
}

template <typename T>
Tensor<T> softmaxCrossEntropyBackward(const Tensor<T> &logits,
                                      const std::vector<int64_t> &labels,
                                      NoDeduceT<T> dloss,
                                      std::string *error) {
  if (!checkClassification(logits, labels, "softmaxCrossEntropyBackward",
                           error))
    return {};
  int64_t N = logits.shape[0], K = logits.shape[1];
  Tensor<T> d = Tensor<T>::zeros(logits.shape);
  T f = dloss / static_cast<T>(N);
  for (int64_t n = 0; n < N; ++n) {
    const T *row = logits.data.data() + n * K;
    T lse = logSumExp(row, K);
    for (int64_t k = 0; k < K; ++k) {
      T p = std::exp(row[k] - lse);
      d.data[n * K + k] = (p - (k == labels[n] ? T(1) : T(0))) * f;
    }
  }
  succeed(error);
  return d;
}

template <typename T>
Tensor<T> accuracy(const Tensor<T> &logits, const std::vector<int64_t> &labels,
                   int64_t topK, AccuracyTies ties, std::string *error) {
  const char *op = "accuracy";
  if (!checkClassification(logits, labels, op, error))
    return {};
  int64_t N = logits.shape[0], K = logits.shape[1];
  if (topK < 1 || topK > K) {
    fail(error, op,
         "topK = " + std::to_string(topK) + " must be in [1, " +
             std::to_string(K) + "]");
    return {};
  }
  int64_t hits = 0;
  for (int64_t n = 0; n < N; ++n) {
    const T *row = logits.data.data() + n * K;
    T mine = row[labels[n]];
    int64_t ahead = 0;
    for (int64_t k = 0; k < K; ++k) {
      if (ties == AccuracyTies::StrictlyGreater)
        ahead += row[k] > mine;
      else
        ahead += k != labels[n] && row[k] >= mine;
    }
    hits += ahead < topK;
  }
  succeed(error);
  return Tensor<T>::scalar(static_cast<T>(hits) / static_cast<T>(N));
}

// =============================================================== normalizers

template <typename T>
Tensor<T> lrn(const Tensor<T> &x, const LrnAttrs &a, std::string *error) {
  const char *op = "lrn";
  if (!checkTensor(x, op, "x", error) || !checkLrn(a, op, error))
    return {};
  if (x.rank() < 2) {
    fail(error, op, "x must have rank >= 2, got " + str(x.shape));
    return {};
  }
  int64_t N = x.shape[0], C = x.shape[1], S = prod(x.shape, 2, x.shape.size());
  int64_t half = (a.size - 1) / 2;
  T alphaOverSize = static_cast<T>(a.alpha) / static_cast<T>(a.size);
  T beta = static_cast<T>(a.beta), k = static_cast<T>(a.k);
  Tensor<T> y = Tensor<T>::zeros(x.shape);
  for (int64_t n = 0; n < N; ++n)
    for (int64_t c = 0; c < C; ++c)
      for (int64_t i = 0; i < S; ++i) {
        T sum = 0;
        for (int64_t cc = std::max<int64_t>(0, c - half);
             cc <= std::min(C - 1, c + half); ++cc) {
          T v = x.data[(n * C + cc) * S + i];
          sum += v * v;
        }
        T scale = k + alphaOverSize * sum;
        y.data[(n * C + c) * S + i] =
            x.data[(n * C + c) * S + i] * std::pow(scale, -beta);
      }
  succeed(error);
  return y;
}

template <typename T>
Tensor<T> lrnBackward(const Tensor<T> &x, const Tensor<T> &dy,
                      const LrnAttrs &a, std::string *error) {
  const char *op = "lrnBackward";
  if (!checkSameShape(x, dy, op, "x", "dy", error) || !checkLrn(a, op, error))
    return {};
  if (x.rank() < 2) {
    fail(error, op, "x must have rank >= 2, got " + str(x.shape));
    return {};
  }
  int64_t N = x.shape[0], C = x.shape[1], S = prod(x.shape, 2, x.shape.size());
  int64_t half = (a.size - 1) / 2;
  T alphaOverSize = static_cast<T>(a.alpha) / static_cast<T>(a.size);
  T beta = static_cast<T>(a.beta), k = static_cast<T>(a.k);
  Tensor<T> dx = Tensor<T>::zeros(x.shape);
  auto X = [&](int64_t n, int64_t c, int64_t i) {
    return x.data[(n * C + c) * S + i];
  };
  // y_c = x_c * scale_c^-beta, scale_c = k + alpha/size * sum_{c' in win(c)}
  // x_c'^2. So dy_c/dx_j = [j == c] scale_c^-beta
  //                      - 2 beta alpha/size x_c x_j scale_c^(-beta-1)
  // for every j in win(c).
  for (int64_t n = 0; n < N; ++n)
    for (int64_t i = 0; i < S; ++i)
      for (int64_t c = 0; c < C; ++c) {
        int64_t lo = std::max<int64_t>(0, c - half);
        int64_t hi = std::min(C - 1, c + half);
        T sum = 0;
        for (int64_t j = lo; j <= hi; ++j)
          sum += X(n, j, i) * X(n, j, i);
        T scale = k + alphaOverSize * sum;
        T g = dy.data[(n * C + c) * S + i];
        dx.data[(n * C + c) * S + i] += g * std::pow(scale, -beta);
        T common = g * T(2) * beta * alphaOverSize * X(n, c, i) *
                   std::pow(scale, -beta - T(1));
        for (int64_t j = lo; j <= hi; ++j)
          dx.data[(n * C + j) * S + i] -= common * X(n, j, i);
      }
  succeed(error);
  return dx;
}

template <typename T>
BatchNormResult<T> batchNormTraining(const Tensor<T> &x, const Tensor<T> &gamma,
                                     const Tensor<T> &beta, double eps,
                                     std::string *error) {
  const char *op = "batchNormTraining";
  if (!checkBatchNorm(x, gamma, eps, op, error) ||
      !checkSameShape(gamma, beta, op, "gamma", "beta", error))
    return {};
  int64_t N = x.shape[0], C = x.shape[1], S = prod(x.shape, 2, x.shape.size());
  std::vector<T> mean, var;
  channelStats(x, mean, var);
  Tensor<T> y = Tensor<T>::zeros(x.shape);
  for (int64_t n = 0; n < N; ++n)
    for (int64_t c = 0; c < C; ++c) {
      T invStd = T(1) / std::sqrt(var[c] + static_cast<T>(eps));
      for (int64_t i = 0; i < S; ++i) {
        int64_t at = (n * C + c) * S + i;
        y.data[at] =
            gamma.data[c] * (x.data[at] - mean[c]) * invStd + beta.data[c];
      }
    }
  succeed(error);
  return {std::move(y), Tensor<T>({C}, mean), Tensor<T>({C}, var)};
}

template <typename T>
BatchNormGrads<T> batchNormTrainingBackward(const Tensor<T> &x,
                                            const Tensor<T> &gamma,
                                            const Tensor<T> &dy, double eps,
                                            std::string *error) {
  const char *op = "batchNormTrainingBackward";
  if (!checkBatchNorm(x, gamma, eps, op, error) ||
      !checkSameShape(x, dy, op, "x", "dy", error))
    return {};
  int64_t N = x.shape[0], C = x.shape[1], S = prod(x.shape, 2, x.shape.size());
  T M = static_cast<T>(N * S);
  std::vector<T> mean, var;
  channelStats(x, mean, var);
  BatchNormGrads<T> g{Tensor<T>::zeros(x.shape), Tensor<T>::zeros({C}),
                      Tensor<T>::zeros({C})};
  for (int64_t c = 0; c < C; ++c) {
    T invStd = T(1) / std::sqrt(var[c] + static_cast<T>(eps));
    T dbeta = 0, dgamma = 0;
    for (int64_t n = 0; n < N; ++n)
      for (int64_t i = 0; i < S; ++i) {
        int64_t at = (n * C + c) * S + i;
        dbeta += dy.data[at];
        dgamma += dy.data[at] * (x.data[at] - mean[c]) * invStd;
      }
    g.dbeta.data[c] = dbeta;
    g.dgamma.data[c] = dgamma;
    for (int64_t n = 0; n < N; ++n)
      for (int64_t i = 0; i < S; ++i) {
        int64_t at = (n * C + c) * S + i;
        T xhat = (x.data[at] - mean[c]) * invStd;
        g.dx.data[at] = gamma.data[c] * invStd / M *
                        (M * dy.data[at] - dbeta - xhat * dgamma);
      }
  }
  succeed(error);
  return g;
}

// ================================================================== dropout

template <typename T>
Tensor<T> dropout(const Tensor<T> &x, const Tensor<T> &mask, double rate,
                  std::string *error) {
  const char *op = "dropout";
  if (!checkSameShape(x, mask, op, "x", "mask", error) ||
      !checkRate(rate, op, error))
    return {};
  Tensor<T> y = Tensor<T>::zeros(x.shape);
  if (rate < 1) {
    T keep = static_cast<T>(1 - rate);
    for (size_t i = 0; i < x.data.size(); ++i)
      y.data[i] = x.data[i] * mask.data[i] / keep;
  }
  succeed(error);
  return y;
}

template <typename T>
Tensor<T> dropoutBackward(const Tensor<T> &dy, const Tensor<T> &mask,
                          double rate, std::string *error) {
  const char *op = "dropoutBackward";
  if (!checkSameShape(dy, mask, op, "dy", "mask", error) ||
      !checkRate(rate, op, error))
    return {};
  Tensor<T> dx = Tensor<T>::zeros(dy.shape);
  if (rate < 1) {
    T keep = static_cast<T>(1 - rate);
    for (size_t i = 0; i < dy.data.size(); ++i)
      dx.data[i] = dy.data[i] * mask.data[i] / keep;
  }
  succeed(error);
  return dx;
}

// =================================================================== concat

template <typename T>
Tensor<T> concat(const std::vector<Tensor<T>> &inputs, int64_t axis,
                 std::string *error) {
  const char *op = "concat";
  if (inputs.empty()) {
    fail(error, op, "needs at least one input");
    return {};
  }
  for (const Tensor<T> &t : inputs)
    if (!checkTensor(t, op, "an input", error))
      return {};
  int64_t ax;
  const std::vector<int64_t> &first = inputs[0].shape;
  if (!normalizeAxis(axis, inputs[0].rank(), ax, op, error))
    return {};
  std::vector<int64_t> outShape = first;
  outShape[ax] = 0;
  for (const Tensor<T> &t : inputs) {
    bool match = t.shape.size() == first.size();
    for (size_t d = 0; match && d < first.size(); ++d)
      match = static_cast<int64_t>(d) == ax || t.shape[d] == first[d];
    if (!match) {
      fail(error, op,
           "input " + str(t.shape) + " does not match " + str(first) +
               " outside axis " + std::to_string(ax));
      return {};
    }
    outShape[ax] += t.shape[ax]; // each <= 2^28: no overflow
  }
  Tensor<T> y = Tensor<T>::zeros(outShape);
  if (!y.wellFormed()) {
    fail(error, op, "the result has more than 2^28 elements");
    return {};
  }
  int64_t outer = prod(first, 0, ax), inner = prod(first, ax + 1, first.size());
  int64_t row = outShape[ax] * inner, offset = 0;
  for (const Tensor<T> &t : inputs) {
    int64_t chunk = t.shape[ax] * inner;
    for (int64_t o = 0; o < outer; ++o)
      for (int64_t i = 0; i < chunk; ++i)
        y.data[o * row + offset + i] = t.data[o * chunk + i];
    offset += chunk;
  }
  succeed(error);
  return y;
}

template <typename T>
std::vector<Tensor<T>>
concatBackward(const Tensor<T> &dy,
               const std::vector<std::vector<int64_t>> &inputShapes,
               int64_t axis, std::string *error) {
  const char *op = "concatBackward";
  if (!checkTensor(dy, op, "dy", error))
    return {};
  if (inputShapes.empty()) {
    fail(error, op, "needs at least one input shape");
    return {};
  }
  int64_t ax;
  if (!normalizeAxis(axis, dy.rank(), ax, op, error))
    return {};
  int64_t total = 0;
  for (const std::vector<int64_t> &s : inputShapes) {
    if (!checkShape(s, op, "an input shape", error))
      return {};
    bool match = s.size() == dy.shape.size();
    for (size_t d = 0; match && d < s.size(); ++d)
      match = static_cast<int64_t>(d) == ax || s[d] == dy.shape[d];
    if (!match) {
      fail(error, op,
           "input shape " + str(s) + " does not match dy " + str(dy.shape) +
               " outside axis " + std::to_string(ax));
      return {};
    }
    total += s[ax];
  }
  if (total != dy.shape[ax]) {
    fail(error, op,
         "the input shapes add up to " + std::to_string(total) +
             " along axis " + std::to_string(ax) + ", dy has " +
             std::to_string(dy.shape[ax]));
    return {};
  }
  int64_t outer = prod(dy.shape, 0, ax);
  int64_t inner = prod(dy.shape, ax + 1, dy.shape.size());
  int64_t row = dy.shape[ax] * inner, offset = 0;
  std::vector<Tensor<T>> parts;
  for (const std::vector<int64_t> &s : inputShapes) {
    Tensor<T> t = Tensor<T>::zeros(s);
    int64_t chunk = s[ax] * inner;
    for (int64_t o = 0; o < outer; ++o)
      for (int64_t i = 0; i < chunk; ++i)
        t.data[o * chunk + i] = dy.data[o * row + offset + i];
    offset += chunk;
    parts.push_back(std::move(t));
  }
  succeed(error);
  return parts;
}

// ====================================================================== SGD

template <typename T>
SgdResult<T> sgdStep(const Tensor<T> &w, const Tensor<T> &v,
                     const Tensor<T> &g, const SgdAttrs &a,
                     std::string *error) {
  const char *op = "sgdStep";
  if (!checkSameShape(w, v, op, "w", "v", error) ||
      !checkSameShape(w, g, op, "w", "g", error))
    return {};
  T lr = static_cast<T>(a.lr), mom = static_cast<T>(a.momentum);
  T wd = static_cast<T>(a.weightDecay);
  SgdResult<T> r{Tensor<T>::zeros(w.shape), Tensor<T>::zeros(w.shape)};
  for (size_t i = 0; i < w.data.size(); ++i) {
    r.v.data[i] = mom * v.data[i] + lr * (g.data[i] + wd * w.data[i]);
    r.w.data[i] = w.data[i] - r.v.data[i];
  }
  succeed(error);
  return r;
}

// ========================================================= instantiation

#define NNC_REF_INSTANTIATE(T)                                                 \
  template Tensor<T> conv2d(const Tensor<T> &, const Tensor<T> &,              \
                            const Tensor<T> *, const Conv2dAttrs &,            \
                            std::string *);                                    \
  template Tensor<T> conv2dBackwardData(const Tensor<T> &, const Tensor<T> &,  \
                                        const std::vector<int64_t> &,          \
                                        const Conv2dAttrs &, std::string *);   \
  template Tensor<T> conv2dBackwardFilter(                                     \
      const Tensor<T> &, const Tensor<T> &, const std::vector<int64_t> &,      \
      const Conv2dAttrs &, std::string *);                                     \
  template Tensor<T> biasBackward(const Tensor<T> &, std::string *);           \
  template Tensor<T> maxPool(const Tensor<T> &, const PoolAttrs &,             \
                             std::string *);                                   \
  template Tensor<T> maxPoolBackward(const Tensor<T> &, const Tensor<T> &,     \
                                     const PoolAttrs &, std::string *);        \
  template Tensor<T> avgPool(const Tensor<T> &, const PoolAttrs &,             \
                             std::string *);                                   \
  template Tensor<T> avgPoolBackward(const std::vector<int64_t> &,             \
                                     const Tensor<T> &, const PoolAttrs &,     \
                                     std::string *);                           \
  template Tensor<T> dense(const Tensor<T> &, const Tensor<T> &,               \
                           const Tensor<T> *, std::string *);                  \
  template Tensor<T> denseBackwardData(const Tensor<T> &, const Tensor<T> &,   \
                                       std::string *);                         \
  template Tensor<T> denseBackwardWeights(const Tensor<T> &,                   \
                                          const Tensor<T> &, std::string *);   \
  template Tensor<T> reduceToShape(const Tensor<T> &,                          \
                                   const std::vector<int64_t> &,               \
                                   std::string *);                             \
  template Tensor<T> add(const Tensor<T> &, const Tensor<T> &, std::string *); \
  template Tensor<T> sub(const Tensor<T> &, const Tensor<T> &, std::string *); \
  template Tensor<T> mul(const Tensor<T> &, const Tensor<T> &, std::string *); \
  template Tensor<T> div(const Tensor<T> &, const Tensor<T> &, std::string *); \
  template BinaryGrads<T> addBackward(const std::vector<int64_t> &,            \
                                      const std::vector<int64_t> &,            \
                                      const Tensor<T> &, std::string *);       \
  template BinaryGrads<T> subBackward(const std::vector<int64_t> &,            \
                                      const std::vector<int64_t> &,            \
                                      const Tensor<T> &, std::string *);       \
  template BinaryGrads<T> mulBackward(const Tensor<T> &, const Tensor<T> &,    \
                                      const Tensor<T> &, std::string *);       \
  template BinaryGrads<T> divBackward(const Tensor<T> &, const Tensor<T> &,    \
                                      const Tensor<T> &, std::string *);       \
  template Tensor<T> relu(const Tensor<T> &, std::string *);                   \
  template Tensor<T> reluBackward(const Tensor<T> &, const Tensor<T> &,        \
                                  std::string *);                              \
  template Tensor<T> leakyRelu(const Tensor<T> &, double, std::string *);      \
  template Tensor<T> leakyReluBackward(const Tensor<T> &, const Tensor<T> &,   \
                                       double, std::string *);                 \
  template Tensor<T> sigmoid(const Tensor<T> &, std::string *);                \
  template Tensor<T> sigmoidBackward(const Tensor<T> &, const Tensor<T> &,     \
                                     std::string *);                           \
  template Tensor<T> tanh(const Tensor<T> &, std::string *);                   \
  template Tensor<T> tanhBackward(const Tensor<T> &, const Tensor<T> &,        \
                                  std::string *);                              \
  template Tensor<T> gelu(const Tensor<T> &, std::string *);                   \
  template Tensor<T> geluBackward(const Tensor<T> &, const Tensor<T> &,        \
                                  std::string *);                              \
  template Tensor<T> scale(const Tensor<T> &, double, std::string *);          \
  template Tensor<T> scaleBackward(const Tensor<T> &, double, std::string *);  \
  template Tensor<T> softmax(const Tensor<T> &, int64_t, std::string *);       \
  template Tensor<T> softmaxBackward(const Tensor<T> &, const Tensor<T> &,     \
                                     int64_t, std::string *);                  \
  template Tensor<T> flatten(const Tensor<T> &, int64_t, int64_t,              \
                             std::string *);                                   \
  template Tensor<T> reshape(const Tensor<T> &, const std::vector<int64_t> &,  \
                             std::string *);                                   \
  template Tensor<T> transpose(const Tensor<T> &,                              \
                               const std::vector<int64_t> &, std::string *);   \
  template Tensor<T> transposeBackward(                                        \
      const Tensor<T> &, const std::vector<int64_t> &, std::string *);         \
  template Tensor<T> softmaxCrossEntropy(                                      \
      const Tensor<T> &, const std::vector<int64_t> &, std::string *);         \
  template Tensor<T> softmaxCrossEntropyBackward(                              \
      const Tensor<T> &, const std::vector<int64_t> &, T, std::string *);      \
  template Tensor<T> accuracy(const Tensor<T> &, const std::vector<int64_t> &, \
                              int64_t, AccuracyTies, std::string *);           \
  template Tensor<T> lrn(const Tensor<T> &, const LrnAttrs &, std::string *);  \
  template Tensor<T> lrnBackward(const Tensor<T> &, const Tensor<T> &,         \
                                 const LrnAttrs &, std::string *);             \
  template BatchNormResult<T> batchNormTraining(                               \
      const Tensor<T> &, const Tensor<T> &, const Tensor<T> &, double,         \
      std::string *);                                                          \
  template BatchNormGrads<T> batchNormTrainingBackward(                        \
      const Tensor<T> &, const Tensor<T> &, const Tensor<T> &, double,         \
      std::string *);                                                          \
  template Tensor<T> dropout(const Tensor<T> &, const Tensor<T> &, double,     \
                             std::string *);                                   \
  template Tensor<T> dropoutBackward(const Tensor<T> &, const Tensor<T> &,     \
                                     double, std::string *);                   \
  template Tensor<T> concat(const std::vector<Tensor<T>> &, int64_t,           \
                            std::string *);                                    \
  template std::vector<Tensor<T>> concatBackward(                              \
      const Tensor<T> &, const std::vector<std::vector<int64_t>> &, int64_t,   \
      std::string *);                                                          \
  template SgdResult<T> sgdStep(const Tensor<T> &, const Tensor<T> &,          \
                                const Tensor<T> &, const SgdAttrs &,           \
                                std::string *);

NNC_REF_INSTANTIATE(float)
NNC_REF_INSTANTIATE(double)
#undef NNC_REF_INSTANTIATE

} // namespace nnc::ref
