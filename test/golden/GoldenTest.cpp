//===- GoldenTest.cpp - Reference kernels and runtime against PyTorch -----===//
//
// The reference kernels (ir/reference) and the runtime's oneDNN wrappers
// (runtime/Runtime.h) are written against the same spec by the same people,
// so a convention error (a ceil rule, a divisor, a momentum, a tie rule) would
// pass both their own tests. These tests pin the conventions to values that
// an independent framework computed once: PyTorch 1.13, float64, via
// test/golden/make_golden.py, stored in test/golden/data/*.txt (one file per
// case; the format is described in make_golden.py).
//
//  * Reference/GoldenReference.Matches/<case>: every case, the double
//    kernels forward and backward, within 1e-10 of the largest magnitude of
//    each expected tensor. (Dropout cases carry their 0/1 mask: PyTorch's
//    generator is not nnc's, so only the arithmetic given a mask is pinned.)
//  * Runtime/GoldenRuntime.Matches/<case>: conv2d, max_pool and dense cases
//    through nnc_cpu_*_init / fwd / bwd in float32, within 1e-4 of the
//    largest magnitude (inputs are float32 values, so only float32
//    arithmetic separates the two).
//
//===----------------------------------------------------------------------===//
#include "ir/reference/Kernels.h"
#include "runtime/Runtime.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <limits>
#include <map>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#ifndef NNC_GOLDEN_DIR
#error "NNC_GOLDEN_DIR must name test/golden/data"
#endif

namespace {

namespace ref = nnc::ref;
using DTensor = ref::Tensor<double>;

constexpr double kRefTol = 1e-10;     // double kernels vs PyTorch float64
constexpr double kRuntimeTol = 1e-4;  // float32 runtime vs PyTorch float64

// ------------------------------------------------------------ data files --

struct Golden {
  std::string name, op, parseError;
  std::map<std::string, double> attrs;
  std::map<std::string, DTensor> tensors;

  bool has(const std::string &k) const { return tensors.count(k) != 0; }
  const DTensor &tensor(const std::string &k) const {
    static const DTensor none;
    auto it = tensors.find(k);
    if (it == tensors.end()) {
      ADD_FAILURE() << name << ": no tensor '" << k << "'";
      return none;
    }
    return it->second;
  }
  double attr(const std::string &k) const {
    auto it = attrs.find(k);
    if (it == attrs.end()) {
      ADD_FAILURE() << name << ": no attribute '" << k << "'";
      return 0;
    }
    return it->second;
  }
  int64_t intAttr(const std::string &k) const { return std::llround(attr(k)); }
};

bool parseDouble(const std::string &s, double &v) {
  errno = 0;
  char *end = nullptr;
  v = std::strtod(s.c_str(), &end);
  return !s.empty() && end == s.c_str() + s.size() && errno != ERANGE;
}

Golden loadGolden(const std::filesystem::path &path) {
  Golden g;
  g.name = path.stem().string();
  std::ifstream in(path);
  if (!in) {
    g.parseError = "cannot open " + path.string();
    return g;
  }
  std::string line;
  int lineNo = 0;
  auto fail = [&](const std::string &why) {
    if (g.parseError.empty())
      g.parseError = path.string() + ":" + std::to_string(lineNo) + ": " + why;
  };
  while (std::getline(in, line)) {
    ++lineNo;
    std::istringstream ss(line);
    std::string kind;
    if (!(ss >> kind) || kind[0] == '#')
      continue;
    if (kind == "op") {
      ss >> g.op;
    } else if (kind == "attr") {
      std::string key, value;
      double v = 0;
      if (!(ss >> key >> value) || !parseDouble(value, v))
        fail("bad attr line");
      g.attrs[key] = v;
    } else if (kind == "tensor") {
      std::string key, tok;
      int64_t rank = -1;
      if (!(ss >> key >> rank) || rank < 0 || rank > 8) {
        fail("bad tensor header");
        continue;
      }
      std::vector<int64_t> shape(static_cast<size_t>(rank));
      for (int64_t &d : shape)
        if (!(ss >> d) || d < 0)
          fail("bad dimension");
      if (!(ss >> tok) || tok != ":")
        fail("expected ':' after the dimensions");
      std::vector<double> values;
      while (ss >> tok) {
        double v;
        if (!parseDouble(tok, v))
          fail("bad value '" + tok + "'");
        values.push_back(v);
      }
      DTensor t(shape, values);
      if (!t.wellFormed())
        fail("tensor '" + key + "': " + std::to_string(values.size()) +
             " values do not fill its shape");
      g.tensors[key] = std::move(t);
    } else {
      fail("unknown line kind '" + kind + "'");
    }
  }
  if (g.op.empty())
    fail("no op line");
  return g;
}

const std::vector<Golden> &allGoldens() {
  static const std::vector<Golden> all = [] {
    std::vector<Golden> v;
    std::error_code ec;
    for (const auto &e : std::filesystem::directory_iterator(NNC_GOLDEN_DIR, ec))
      if (e.path().extension() == ".txt")
        v.push_back(loadGolden(e.path()));
    std::sort(v.begin(), v.end(),
              [](const Golden &a, const Golden &b) { return a.name < b.name; });
    return v;
  }();
  return all;
}

const Golden *findGolden(const std::string &name) {
  for (const Golden &g : allGoldens())
    if (g.name == name)
      return &g;
  return nullptr;
}

std::vector<std::string> caseNames(const std::set<std::string> &ops = {}) {
  std::vector<std::string> names;
  for (const Golden &g : allGoldens())
    if (ops.empty() || ops.count(g.op))
      names.push_back(g.name);
  return names;
}

std::string testName(const std::string &caseName) {
  std::string s = caseName;
  for (char &c : s)
    if (!std::isalnum(static_cast<unsigned char>(c)))
      c = '_';
  return s;
}

// ----------------------------------------------------------- comparison --

std::string shapeStr(const std::vector<int64_t> &s) {
  std::string r = "[";
  for (size_t i = 0; i < s.size(); ++i)
    r += (i ? "," : "") + std::to_string(s[i]);
  return r + "]";
}

std::string indexStr(const std::vector<int64_t> &shape, size_t flat) {
  std::vector<int64_t> idx(shape.size());
  for (size_t d = shape.size(); d-- > 0;) {
    idx[d] = static_cast<int64_t>(flat) % shape[d];
    flat /= static_cast<size_t>(shape[d]);
  }
  return shapeStr(idx);
}

std::string g17(double v) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}

/// Expects |got - want| <= tol * max|want| elementwise, shapes equal.
template <typename V>
void expectClose(const std::string &what, const std::vector<int64_t> &gotShape,
                 const std::vector<V> &got, const DTensor &want, double tol) {
  if (gotShape != want.shape || got.size() != want.data.size()) {
    ADD_FAILURE() << what << ": shape " << shapeStr(gotShape) << " (" << got.size()
                  << " values), PyTorch " << shapeStr(want.shape);
    return;
  }
  double scale = 0;
  for (double v : want.data)
    scale = std::max(scale, std::fabs(v));
  double bound = tol * std::max(scale, 1e-300);
  int bad = 0;
  double worst = 0;
  for (size_t i = 0; i < got.size(); ++i) {
    double g = static_cast<double>(got[i]), w = want.data[i];
    double err = std::fabs(g - w);
    if (!(err <= bound)) {
      worst = std::isnan(err) ? err : std::max(worst, err);
      if (++bad <= 5)
        ADD_FAILURE() << what << indexStr(want.shape, i) << ": nnc " << g17(g)
                      << ", PyTorch " << g17(w) << " (error " << err
                      << ", bound " << bound << " = " << tol << " * max|PyTorch| "
                      << scale << ")";
    }
  }
  EXPECT_EQ(bad, 0) << what << ": " << bad << " of " << got.size()
                    << " elements differ (worst error " << worst << ")";
}

void expectRef(const std::string &what, const DTensor &got, const std::string &err,
               const DTensor &want) {
  EXPECT_EQ(err, "") << what;
  expectClose(what, got.shape, got.data, want, kRefTol);
}

std::vector<int64_t> labelsOf(const DTensor &t) {
  std::vector<int64_t> v;
  for (double d : t.data)
    v.push_back(std::llround(d));
  return v;
}

// ------------------------------------------------ reference, per op -----

ref::Conv2dAttrs convAttrs(const Golden &g) {
  ref::Conv2dAttrs a;
  a.sh = g.intAttr("sh"), a.sw = g.intAttr("sw"), a.ph = g.intAttr("ph");
  a.pw = g.intAttr("pw"), a.dh = g.intAttr("dh"), a.dw = g.intAttr("dw");
  a.groups = g.intAttr("groups");
  return a;
}

ref::PoolAttrs poolAttrs(const Golden &g) {
  ref::PoolAttrs a;
  a.kh = g.intAttr("kh"), a.kw = g.intAttr("kw"), a.sh = g.intAttr("sh");
  a.sw = g.intAttr("sw"), a.ph = g.intAttr("ph"), a.pw = g.intAttr("pw");
  a.ceil = g.intAttr("ceil") != 0;
  return a;
}

void refConv2d(const Golden &g) {
  const DTensor &x = g.tensor("x"), &w = g.tensor("w"), &r = g.tensor("r");
  bool bias = g.intAttr("bias") != 0;
  const DTensor *b = bias ? &g.tensor("b") : nullptr;
  ref::Conv2dAttrs a = convAttrs(g);
  std::string err;
  expectRef("y", ref::conv2d(x, w, b, a, &err), err, g.tensor("y"));
  expectRef("dx", ref::conv2dBackwardData(r, w, x.shape, a, &err), err, g.tensor("dx"));
  expectRef("dw", ref::conv2dBackwardFilter(x, r, w.shape, a, &err), err, g.tensor("dw"));
  if (bias)
    expectRef("db", ref::biasBackward(r, &err), err, g.tensor("db"));
}

void refPool(const Golden &g, bool isMax) {
  const DTensor &x = g.tensor("x"), &r = g.tensor("r"), &y = g.tensor("y");
  ref::PoolAttrs a = poolAttrs(g);
  ASSERT_EQ(y.rank(), 4);
  // The shared output-extent rule, on its own.
  EXPECT_EQ(ref::poolOutputSize(x.shape[2], a.kh, a.sh, a.ph, a.ceil), y.shape[2])
      << "poolOutputSize for H";
  EXPECT_EQ(ref::poolOutputSize(x.shape[3], a.kw, a.sw, a.pw, a.ceil), y.shape[3])
      << "poolOutputSize for W";
  std::string err;
  if (isMax) {
    expectRef("y", ref::maxPool(x, a, &err), err, y);
    expectRef("dx", ref::maxPoolBackward(x, r, a, &err), err, g.tensor("dx"));
  } else {
    expectRef("y", ref::avgPool(x, a, &err), err, y);
    expectRef("dx", ref::avgPoolBackward(x.shape, r, a, &err), err, g.tensor("dx"));
  }
}

void refDense(const Golden &g) {
  const DTensor &x = g.tensor("x"), &w = g.tensor("w"), &r = g.tensor("r");
  bool bias = g.intAttr("bias") != 0;
  const DTensor *b = bias ? &g.tensor("b") : nullptr;
  std::string err;
  expectRef("y", ref::dense(x, w, b, &err), err, g.tensor("y"));
  expectRef("dx", ref::denseBackwardData(r, w, &err), err, g.tensor("dx"));
  expectRef("dw", ref::denseBackwardWeights(x, r, &err), err, g.tensor("dw"));
  if (bias)
    expectRef("db", ref::biasBackward(r, &err), err, g.tensor("db"));
}

void refUnary(const Golden &g) {
  const DTensor &x = g.tensor("x"), &r = g.tensor("r");
  std::string err;
  DTensor y, dx;
  std::string e2;
  if (g.op == "relu") {
    y = ref::relu(x, &err), dx = ref::reluBackward(x, r, &e2);
  } else if (g.op == "leaky_relu") {
    double s = g.attr("slope");
    y = ref::leakyRelu(x, s, &err), dx = ref::leakyReluBackward(x, r, s, &e2);
  } else if (g.op == "sigmoid") {
    y = ref::sigmoid(x, &err), dx = ref::sigmoidBackward(x, r, &e2);
  } else if (g.op == "tanh") {
    y = ref::tanh(x, &err), dx = ref::tanhBackward(x, r, &e2);
  } else if (g.op == "gelu") {
    y = ref::gelu(x, &err), dx = ref::geluBackward(x, r, &e2);
  } else {
    FAIL() << "not a unary op: " << g.op;
  }
  expectRef("y", y, err, g.tensor("y"));
  expectRef("dx", dx, e2, g.tensor("dx"));
}

void refFlatten(const Golden &g) {
  const DTensor &x = g.tensor("x"), &r = g.tensor("r");
  std::string err;
  expectRef("y", ref::flatten(x, g.intAttr("start"), g.intAttr("end"), &err), err,
            g.tensor("y"));
  // The backward of flatten is reshape(dy, xShape).
  expectRef("dx", ref::reshape(r, x.shape, &err), err, g.tensor("dx"));
}

void refSoftmax(const Golden &g) {
  const DTensor &x = g.tensor("x"), &r = g.tensor("r");
  int64_t axis = g.intAttr("axis");
  std::string err;
  DTensor y = ref::softmax(x, axis, &err);
  expectRef("y", y, err, g.tensor("y"));
  expectRef("dx", ref::softmaxBackward(y, r, axis, &err), err, g.tensor("dx"));
}

void refCrossEntropy(const Golden &g) {
  const DTensor &logits = g.tensor("logits");
  std::vector<int64_t> labels = labelsOf(g.tensor("labels"));
  std::string err;
  expectRef("loss", ref::softmaxCrossEntropy(logits, labels, &err), err, g.tensor("loss"));
  expectRef("dlogits",
            ref::softmaxCrossEntropyBackward(logits, labels, g.tensor("r").item(), &err),
            err, g.tensor("dlogits"));
}

void refAccuracy(const Golden &g) {
  const DTensor &logits = g.tensor("logits");
  std::vector<int64_t> labels = labelsOf(g.tensor("labels"));
  const DTensor &ks = g.tensor("ks"), &caffe = g.tensor("acc_caffe"),
                &strict = g.tensor("acc_strict");
  ASSERT_EQ(ks.data.size(), caffe.data.size());
  ASSERT_EQ(ks.data.size(), strict.data.size());
  for (size_t i = 0; i < ks.data.size(); ++i) {
    int64_t k = std::llround(ks.data[i]);
    std::string topK = "top-" + std::to_string(k);
    std::string err;
    expectRef(topK + " CaffeGreaterOrEqual",
              ref::accuracy(logits, labels, k, ref::AccuracyTies::CaffeGreaterOrEqual, &err),
              err, DTensor::scalar(caffe.data[i]));
    expectRef(topK + " StrictlyGreater",
              ref::accuracy(logits, labels, k, ref::AccuracyTies::StrictlyGreater, &err), err,
              DTensor::scalar(strict.data[i]));
  }
  // The declared default argument is Caffe's rule (the one nnc's generated
  // code and evaluator use).
  for (size_t i = 0; i < ks.data.size(); ++i)
    expectRef("top-" + std::to_string(std::llround(ks.data[i])) + " default argument",
              ref::accuracy(logits, labels, std::llround(ks.data[i])), "",
              DTensor::scalar(caffe.data[i]));
}

void refLrn(const Golden &g) {
  const DTensor &x = g.tensor("x"), &r = g.tensor("r");
  ref::LrnAttrs a;
  a.size = g.intAttr("size"), a.alpha = g.attr("alpha"), a.beta = g.attr("beta");
  a.k = g.attr("k");
  std::string err;
  expectRef("y", ref::lrn(x, a, &err), err, g.tensor("y"));
  expectRef("dx", ref::lrnBackward(x, r, a, &err), err, g.tensor("dx"));
}

void refBatchNorm(const Golden &g) {
  const DTensor &x = g.tensor("x"), &gamma = g.tensor("gamma"), &beta = g.tensor("beta"),
                &r = g.tensor("r");
  double eps = g.attr("eps");
  std::string err;
  ref::BatchNormResult<double> f = ref::batchNormTraining(x, gamma, beta, eps, &err);
  expectRef("y", f.y, err, g.tensor("y"));
  expectRef("mean", f.mean, err, g.tensor("mean"));
  expectRef("var (biased)", f.var, err, g.tensor("var"));
  ref::BatchNormGrads<double> b = ref::batchNormTrainingBackward(x, gamma, r, eps, &err);
  expectRef("dx", b.dx, err, g.tensor("dx"));
  expectRef("dgamma", b.dgamma, err, g.tensor("dgamma"));
  expectRef("dbeta", b.dbeta, err, g.tensor("dbeta"));

  // Running statistics by nnc's spec (lang/SPEC.md): running = momentum *
  // running + (1 - momentum) * batch, unbiased batch variance, momentum 0.9.
  // PyTorch computed them with its momentum 0.1 = 1 - nnc's momentum.
  double m = g.attr("nnc_momentum");
  EXPECT_DOUBLE_EQ(m, 1.0 - g.attr("torch_momentum"));
  if (!f.mean.wellFormed() || !f.var.wellFormed())
    return;
  double M = static_cast<double>(x.numel()) / static_cast<double>(gamma.numel());
  DTensor rm = g.tensor("running_mean0"), rv = g.tensor("running_var0");
  ASSERT_EQ(rm.data.size(), f.mean.data.size());
  ASSERT_EQ(rv.data.size(), f.var.data.size());
  for (size_t c = 0; c < rm.data.size(); ++c) {
    rm.data[c] = m * rm.data[c] + (1 - m) * f.mean.data[c];
    rv.data[c] = m * rv.data[c] + (1 - m) * f.var.data[c] * M / (M - 1);
  }
  expectRef("running_mean (nnc momentum 0.9)", rm, "", g.tensor("running_mean"));
  expectRef("running_var (nnc momentum 0.9, unbiased)", rv, "", g.tensor("running_var"));
}

void refBinary(const Golden &g) {
  const DTensor &a = g.tensor("a"), &b = g.tensor("b"), &r = g.tensor("r");
  std::string err, e2;
  DTensor y;
  ref::BinaryGrads<double> d;
  if (g.op == "add")
    y = ref::add(a, b, &err), d = ref::addBackward(a.shape, b.shape, r, &e2);
  else if (g.op == "sub")
    y = ref::sub(a, b, &err), d = ref::subBackward(a.shape, b.shape, r, &e2);
  else if (g.op == "mul")
    y = ref::mul(a, b, &err), d = ref::mulBackward(a, b, r, &e2);
  else if (g.op == "div")
    y = ref::div(a, b, &err), d = ref::divBackward(a, b, r, &e2);
  else
    FAIL() << "not a binary op: " << g.op;
  expectRef("y", y, err, g.tensor("y"));
  expectRef("da", d.da, e2, g.tensor("da"));
  expectRef("db", d.db, e2, g.tensor("db"));
}

void refScale(const Golden &g) {
  const DTensor &x = g.tensor("x"), &r = g.tensor("r");
  double f = g.attr("factor");
  std::string err;
  expectRef("y", ref::scale(x, f, &err), err, g.tensor("y"));
  expectRef("dx", ref::scaleBackward(r, f, &err), err, g.tensor("dx"));
}

void refConcat(const Golden &g) {
  int64_t count = g.intAttr("count"), axis = g.intAttr("axis");
  ASSERT_GE(count, 1);
  std::vector<DTensor> xs;
  std::vector<std::vector<int64_t>> shapes;
  for (int64_t i = 0; i < count; ++i) {
    xs.push_back(g.tensor("x" + std::to_string(i)));
    shapes.push_back(xs.back().shape);
  }
  std::string err;
  expectRef("y", ref::concat(xs, axis, &err), err, g.tensor("y"));
  std::vector<DTensor> dxs = ref::concatBackward(g.tensor("r"), shapes, axis, &err);
  EXPECT_EQ(err, "");
  ASSERT_EQ(dxs.size(), xs.size());
  for (int64_t i = 0; i < count; ++i) {
    std::string k = "dx" + std::to_string(i);
    expectRef(k, dxs[i], "", g.tensor(k));
  }
}

void refTranspose(const Golden &g) {
  const DTensor &x = g.tensor("x"), &r = g.tensor("r");
  std::vector<int64_t> perm = labelsOf(g.tensor("perm"));
  std::string err;
  expectRef("y", ref::transpose(x, perm, &err), err, g.tensor("y"));
  expectRef("dx", ref::transposeBackward(r, perm, &err), err, g.tensor("dx"));
}

void refReshape(const Golden &g) {
  const DTensor &x = g.tensor("x"), &r = g.tensor("r");
  std::string err;
  expectRef("y", ref::reshape(x, labelsOf(g.tensor("target")), &err), err, g.tensor("y"));
  // The backward of reshape is reshape(dy, xShape).
  expectRef("dx", ref::reshape(r, x.shape, &err), err, g.tensor("dx"));
}

void refDropout(const Golden &g) {
  const DTensor &x = g.tensor("x"), &mask = g.tensor("mask"), &r = g.tensor("r");
  double rate = g.attr("rate");
  std::string err;
  expectRef("y", ref::dropout(x, mask, rate, &err), err, g.tensor("y"));
  expectRef("dx", ref::dropoutBackward(r, mask, rate, &err), err, g.tensor("dx"));
}

// --------------------------------------------------- runtime, per op ----

std::vector<float> toFloat(const DTensor &t) {
  return std::vector<float>(t.data.begin(), t.data.end());
}

std::vector<float> sentinel(const DTensor &like) {
  return std::vector<float>(like.data.size(), std::numeric_limits<float>::quiet_NaN());
}

struct CtxDeleter {
  void operator()(nnc_ctx *c) const { nnc_ctx_destroy(c); }
};
using CtxPtr = std::unique_ptr<nnc_ctx, CtxDeleter>;

std::string ctxError(nnc_ctx *ctx) {
  const char *e = nnc_ctx_error(ctx);
  return e ? e : "";
}

void expectRt(const std::string &what, const std::vector<float> &got, const DTensor &want) {
  expectClose(what, want.shape, got, want, kRuntimeTol);
}

void runtimeConv2d(const Golden &g, nnc_ctx *ctx) {
  const DTensor &x = g.tensor("x"), &w = g.tensor("w"), &y = g.tensor("y");
  ASSERT_EQ(x.rank(), 4);
  ASSERT_EQ(w.rank(), 4);
  bool bias = g.intAttr("bias") != 0;
  nnc_cpu_conv2d_init(ctx, 0, x.shape[0], x.shape[1], x.shape[2], x.shape[3], w.shape[0],
                      w.shape[2], w.shape[3], g.intAttr("sh"), g.intAttr("sw"), g.intAttr("ph"),
                      g.intAttr("pw"), g.intAttr("dh"), g.intAttr("dw"), g.intAttr("groups"),
                      bias, 0, 0, 0);
  ASSERT_EQ(ctxError(ctx), "");
  std::vector<float> fx = toFloat(x), fw = toFloat(w), fr = toFloat(g.tensor("r"));
  std::vector<float> fb = bias ? toFloat(g.tensor("b")) : std::vector<float>{};
  std::vector<float> fy = sentinel(y), fdx = sentinel(x), fdw = sentinel(w);
  std::vector<float> fdb = bias ? sentinel(g.tensor("db")) : std::vector<float>{};
  nnc_cpu_conv2d_fwd(ctx, 0, fx.data(), fw.data(), bias ? fb.data() : nullptr, fy.data());
  nnc_cpu_conv2d_bwd_data(ctx, 0, fr.data(), fw.data(), fdx.data());
  nnc_cpu_conv2d_bwd_filter(ctx, 0, fx.data(), fr.data(), fdw.data(),
                            bias ? fdb.data() : nullptr);
  ASSERT_EQ(ctxError(ctx), "");
  expectRt("y", fy, y);
  expectRt("dx", fdx, g.tensor("dx"));
  expectRt("dw", fdw, g.tensor("dw"));
  if (bias)
    expectRt("db", fdb, g.tensor("db"));
}

void runtimeMaxPool(const Golden &g, nnc_ctx *ctx) {
  const DTensor &x = g.tensor("x"), &y = g.tensor("y");
  ASSERT_EQ(x.rank(), 4);
  ASSERT_EQ(y.rank(), 4);
  int64_t kh = g.intAttr("kh"), kw = g.intAttr("kw"), sh = g.intAttr("sh"),
          sw = g.intAttr("sw"), ph = g.intAttr("ph"), pw = g.intAttr("pw");
  // Ceil mode arrives as extra bottom/right padding (Runtime.h).
  int64_t pb = std::max<int64_t>(0, (y.shape[2] - 1) * sh + kh - x.shape[2] - ph);
  int64_t pr = std::max<int64_t>(0, (y.shape[3] - 1) * sw + kw - x.shape[3] - pw);
  nnc_cpu_max_pool_init(ctx, 0, x.shape[0], x.shape[1], x.shape[2], x.shape[3], kh, kw, sh,
                        sw, ph, pw, pb, pr, 0, 0);
  ASSERT_EQ(ctxError(ctx), "") << "pads t/l/b/r " << ph << "/" << pw << "/" << pb << "/"
                               << pr;
  std::vector<float> fx = toFloat(x), fr = toFloat(g.tensor("r"));
  std::vector<float> fy = sentinel(y), fdx = sentinel(x);
  nnc_cpu_max_pool_fwd(ctx, 0, fx.data(), fy.data());
  nnc_cpu_max_pool_bwd(ctx, 0, fr.data(), fdx.data());
  ASSERT_EQ(ctxError(ctx), "");
  expectRt("y", fy, y);
  expectRt("dx", fdx, g.tensor("dx"));
}

void runtimeDense(const Golden &g, nnc_ctx *ctx) {
  const DTensor &x = g.tensor("x"), &w = g.tensor("w"), &y = g.tensor("y");
  ASSERT_EQ(x.rank(), 2);
  ASSERT_EQ(w.rank(), 2);
  bool bias = g.intAttr("bias") != 0;
  nnc_cpu_dense_init(ctx, 0, x.shape[0], x.shape[1], w.shape[0], bias);
  ASSERT_EQ(ctxError(ctx), "");
  std::vector<float> fx = toFloat(x), fw = toFloat(w), fr = toFloat(g.tensor("r"));
  std::vector<float> fb = bias ? toFloat(g.tensor("b")) : std::vector<float>{};
  std::vector<float> fy = sentinel(y), fdx = sentinel(x), fdw = sentinel(w);
  std::vector<float> fdb = bias ? sentinel(g.tensor("db")) : std::vector<float>{};
  nnc_cpu_dense_fwd(ctx, 0, fx.data(), fw.data(), bias ? fb.data() : nullptr, fy.data());
  nnc_cpu_dense_bwd_data(ctx, 0, fr.data(), fw.data(), fdx.data());
  nnc_cpu_dense_bwd_weights(ctx, 0, fx.data(), fr.data(), fdw.data(),
                            bias ? fdb.data() : nullptr);
  ASSERT_EQ(ctxError(ctx), "");
  expectRt("y", fy, y);
  expectRt("dx", fdx, g.tensor("dx"));
  expectRt("dw", fdw, g.tensor("dw"));
  if (bias)
    expectRt("db", fdb, g.tensor("db"));
}

// ------------------------------------------------------------------ tests --

const std::set<std::string> kRuntimeOps = {"conv2d", "max_pool", "dense"};

std::string paramName(const ::testing::TestParamInfo<std::string> &info) {
  return testName(info.param);
}

class GoldenReference : public ::testing::TestWithParam<std::string> {};

TEST_P(GoldenReference, Matches) {
  const Golden *g = findGolden(GetParam());
  ASSERT_NE(g, nullptr);
  ASSERT_EQ(g->parseError, "");
  SCOPED_TRACE("golden case " + g->name + " (op " + g->op + ")");
  const std::string &op = g->op;
  if (op == "conv2d")
    refConv2d(*g);
  else if (op == "max_pool" || op == "avg_pool")
    refPool(*g, op == "max_pool");
  else if (op == "dense")
    refDense(*g);
  else if (op == "relu" || op == "leaky_relu" || op == "sigmoid" || op == "tanh" ||
           op == "gelu")
    refUnary(*g);
  else if (op == "flatten")
    refFlatten(*g);
  else if (op == "softmax")
    refSoftmax(*g);
  else if (op == "softmax_cross_entropy")
    refCrossEntropy(*g);
  else if (op == "accuracy")
    refAccuracy(*g);
  else if (op == "lrn")
    refLrn(*g);
  else if (op == "batch_norm")
    refBatchNorm(*g);
  else if (op == "add" || op == "sub" || op == "mul" || op == "div")
    refBinary(*g);
  else if (op == "scale")
    refScale(*g);
  else if (op == "concat")
    refConcat(*g);
  else if (op == "transpose")
    refTranspose(*g);
  else if (op == "reshape")
    refReshape(*g);
  else if (op == "dropout")
    refDropout(*g);
  else
    FAIL() << "unknown op '" << op << "'";
}

INSTANTIATE_TEST_SUITE_P(Reference, GoldenReference, ::testing::ValuesIn(caseNames()),
                         paramName);

class GoldenRuntime : public ::testing::TestWithParam<std::string> {};

TEST_P(GoldenRuntime, Matches) {
  const Golden *g = findGolden(GetParam());
  ASSERT_NE(g, nullptr);
  ASSERT_EQ(g->parseError, "");
  SCOPED_TRACE("golden case " + g->name + " (op " + g->op + ", float32 runtime)");
  CtxPtr ctx(nnc_ctx_create(0));
  ASSERT_NE(ctx, nullptr);
  if (g->op == "conv2d")
    runtimeConv2d(*g, ctx.get());
  else if (g->op == "max_pool")
    runtimeMaxPool(*g, ctx.get());
  else if (g->op == "dense")
    runtimeDense(*g, ctx.get());
}

INSTANTIATE_TEST_SUITE_P(Runtime, GoldenRuntime, ::testing::ValuesIn(caseNames(kRuntimeOps)),
                         paramName);

// The data directory is found, parses, and covers every op the brief asks
// for (so a missing or truncated data/ cannot pass as zero tests).
TEST(GoldenData, EveryFileParsesAndEveryOpIsCovered) {
  const std::vector<Golden> &all = allGoldens();
  ASSERT_FALSE(all.empty()) << "no golden files in " << NNC_GOLDEN_DIR;
  std::set<std::string> ops, names;
  for (const Golden &g : all) {
    EXPECT_EQ(g.parseError, "") << g.name;
    EXPECT_TRUE(names.insert(testName(g.name)).second)
        << g.name << ": test name collides with another case";
    ops.insert(g.op);
  }
  for (const char *op :
       {"conv2d", "max_pool", "avg_pool", "dense", "relu", "leaky_relu", "sigmoid", "tanh",
        "gelu", "flatten", "softmax", "softmax_cross_entropy", "accuracy", "lrn",
        "batch_norm", "add", "mul", "sub", "div", "scale", "concat", "transpose", "reshape",
        "dropout"})
    EXPECT_TRUE(ops.count(op)) << "no golden case for " << op;
}

} // namespace
