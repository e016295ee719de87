//===- Evaluator.cpp - The reference evaluator of the nn dialect ----------===//
#include "ir/Evaluator.h"

#include "ir/NNOps.h"
#include "runtime/Dropout.h"

#include "mlir/Dialect/Arith/IR/Arith.h"

#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/TypeSwitch.h"
#include "llvm/Support/raw_ostream.h"

#include <cmath>

using namespace mlir;

namespace nnc {

namespace {

template <typename T> class Interpreter {
public:
  bool run(func::FuncOp f, const std::vector<ref::Tensor<T>> &args, std::vector<ref::Tensor<T>> &results,
           std::string &error, const EvalObserver<T> &observer) {
    Block &body = f.getBody().front();
    if (args.size() != body.getNumArguments()) {
      error = "expected " + std::to_string(body.getNumArguments()) + " arguments, got " + std::to_string(args.size());
      return false;
    }
    for (auto [a, t] : llvm::zip(body.getArguments(), args)) values_[a] = t;
    // Dropout draws its mask in the training step only (seed 0, step 0: the
    // runtime's generator, runtime/Dropout.h); elsewhere it is the identity.
    training_ = f.getSymName() == "train_step";
    for (Operation &op : body) {
      if (auto ret = dyn_cast<func::ReturnOp>(op)) {
        for (Value v : ret.getOperands()) results.push_back(values_.lookup(v));
        return true;
      }
      std::string err;
      if (!step(&op, err)) {
        llvm::raw_string_ostream os(error);
        os << op.getName() << " at " << op.getLoc() << ": " << (err.empty() ? "not supported by the evaluator" : err);
        return false;
      }
      if (observer)
        for (Value r : op.getResults())
          if (!observer(&op, values_[r])) return true;
    }
    error = "function without return";
    return false;
  }

private:
  const ref::Tensor<T> &in(Value v) { return values_[v]; }
  std::vector<int64_t> labels(Value v) {
    std::vector<int64_t> l;
    for (T x : values_[v].data) l.push_back((int64_t)x);
    return l;
  }
  static std::vector<int64_t> shapeOf(Value v) {
    auto s = cast<RankedTensorType>(v.getType()).getShape();
    return {s.begin(), s.end()};
  }
  bool set(Value v, ref::Tensor<T> t, const std::string &err) {
    values_[v] = std::move(t);
    return err.empty();
  }
  static ref::Conv2dAttrs convAttrs(ArrayRef<int64_t> stride, ArrayRef<int64_t> pad, ArrayRef<int64_t> dil,
                                    int64_t groups) {
    ref::Conv2dAttrs a;
    a.sh = stride[0], a.sw = stride[1], a.ph = pad[0], a.pw = pad[1], a.dh = dil[0], a.dw = dil[1];
    a.groups = groups;
    return a;
  }
  static ref::PoolAttrs poolAttrs(ArrayRef<int64_t> k, ArrayRef<int64_t> s, ArrayRef<int64_t> p, bool ceil) {
    ref::PoolAttrs a;
    a.kh = k[0], a.kw = k[1], a.sh = s[0], a.sw = s[1], a.ph = p[0], a.pw = p[1], a.ceil = ceil;
    return a;
  }

  template <typename Op> static ref::LrnAttrs lrnAttrs(Op l) {
    ref::LrnAttrs a;
    a.size = (int64_t)l.getSize();
    a.alpha = l.getAlpha().convertToDouble();
    a.beta = l.getBeta().convertToDouble();
    a.k = l.getK().convertToDouble();
    return a;
  }

  bool step(Operation *op, std::string &e) {
    return llvm::TypeSwitch<Operation *, bool>(op)
        .template Case<nn::Conv2dOp>([&](auto c) {
          const ref::Tensor<T> *b = c.getBias() ? &in(c.getBias()) : nullptr;
          return set(c.getResult(), ref::conv2d(in(c.getInput()), in(c.getWeight()), b,
                     convAttrs(c.getStride(), c.getPad(), c.getDilation(), c.getGroups()), &e), e);
        })
        .template Case<nn::Conv2dBackwardDataOp>([&](auto c) {
          return set(c.getResult(), ref::conv2dBackwardData(in(c.getGrad()), in(c.getWeight()), shapeOf(c.getResult()),
                     convAttrs(c.getStride(), c.getPad(), c.getDilation(), c.getGroups()), &e), e);
        })
        .template Case<nn::Conv2dBackwardFilterOp>([&](auto c) {
          if (!set(c.getWeightGrad(), ref::conv2dBackwardFilter(in(c.getInput()), in(c.getGrad()), shapeOf(c.getWeightGrad()),
                   convAttrs(c.getStride(), c.getPad(), c.getDilation(), c.getGroups()), &e), e))
            return false;
          return !c.getBiasGrad() || set(c.getBiasGrad(), ref::biasBackward(in(c.getGrad()), &e), e);
        })
        .template Case<nn::MaxPoolOp>([&](auto p) {
          return set(p.getResult(), ref::maxPool(in(p.getInput()), poolAttrs(p.getKernel(), p.getStride(), p.getPad(), p.getCeil()), &e), e);
        })
        .template Case<nn::MaxPoolBackwardOp>([&](auto p) {
          return set(p.getResult(), ref::maxPoolBackward(in(p.getInput()), in(p.getGrad()),
                     poolAttrs(p.getKernel(), p.getStride(), p.getPad(), p.getCeil()), &e), e);
        })
        .template Case<nn::AvgPoolOp>([&](auto p) {
          return set(p.getResult(), ref::avgPool(in(p.getInput()), poolAttrs(p.getKernel(), p.getStride(), p.getPad(), p.getCeil()), &e), e);
        })
        .template Case<nn::AvgPoolBackwardOp>([&](auto p) {
          return set(p.getResult(), ref::avgPoolBackward(shapeOf(p.getResult()), in(p.getGrad()),
                     poolAttrs(p.getKernel(), p.getStride(), p.getPad(), p.getCeil()), &e), e);
        })
        .template Case<nn::LrnOp>([&](auto l) {
          return set(l.getResult(), ref::lrn(in(l.getInput()), lrnAttrs(l), &e), e);
        })
        .template Case<nn::LrnBackwardOp>([&](auto l) {
          return set(l.getResult(), ref::lrnBackward(in(l.getInput()), in(l.getGrad()), lrnAttrs(l), &e), e);
        })
        .template Case<nn::BatchNormOp>([&](auto bn) {
          // Training: the batch statistics (the reference kernel); the running
          // update is state the lowering writes in place, not a value here.
          // Elsewhere: the running statistics.
          const ref::Tensor<T> &x = in(bn.getInput());
          int64_t C = x.shape.size() >= 2 ? x.shape[1] : 0;
          double eps = bn.getEps().convertToDouble();
          ref::Tensor<T> gamma(std::vector<int64_t>{C}, std::vector<T>(C, T(1)));
          ref::Tensor<T> beta(std::vector<int64_t>{C}, std::vector<T>(C, T(0)));
          if (bn.getWeight()) gamma = in(bn.getWeight()), beta = in(bn.getBias());
          ref::Tensor<T> mean, invstd(std::vector<int64_t>{C}, std::vector<T>(C));
          if (training_) {
            ref::BatchNormResult<T> r = ref::batchNormTraining(x, gamma, beta, eps, &e);
            if (!e.empty()) return false;
            for (int64_t c = 0; c < C; ++c) invstd.data[c] = T(1) / std::sqrt(r.var.data[c] + T(eps));
            values_[bn.getMean()] = r.mean;
            values_[bn.getInvstd()] = invstd;
            return set(bn.getResult(), std::move(r.y), e);
          }
          mean = in(bn.getRunningMean());
          const ref::Tensor<T> &var = in(bn.getRunningVar());
          for (int64_t c = 0; c < C; ++c) invstd.data[c] = T(1) / std::sqrt(var.data[c] + T(eps));
          ref::Tensor<T> y = x;
          int64_t S = C ? (int64_t)x.data.size() / (x.shape[0] * C) : 0;
          for (int64_t n = 0; n < x.shape[0]; ++n)
            for (int64_t c = 0; c < C; ++c)
              for (int64_t i = 0; i < S; ++i) {
                T &v = y.data[(n * C + c) * S + i];
                v = (v - mean.data[c]) * invstd.data[c] * gamma.data[c] + beta.data[c];
              }
          values_[bn.getMean()] = mean;
          values_[bn.getInvstd()] = invstd;
          return set(bn.getResult(), std::move(y), e);
        })
        .template Case<nn::BatchNormBackwardOp>([&](auto bn) {
          // The training-mode gradients (ref::batchNormTrainingBackward's
          // formulas) from the saved mean and invstd.
          const ref::Tensor<T> &x = in(bn.getInput()), &dy = in(bn.getGrad());
          const ref::Tensor<T> &mean = in(bn.getMean()), &invstd = in(bn.getInvstd());
          int64_t N = x.shape[0], C = x.shape[1], S = (int64_t)x.data.size() / (N * C);
          T M = T(N * S);
          ref::Tensor<T> dx = x, dw(std::vector<int64_t>{C}, std::vector<T>(C)), db = dw;
          for (int64_t c = 0; c < C; ++c) {
            T sumDy = 0, sumDyXhat = 0;
            for (int64_t n = 0; n < N; ++n)
              for (int64_t i = 0; i < S; ++i) {
                int64_t at = (n * C + c) * S + i;
                sumDy += dy.data[at];
                sumDyXhat += dy.data[at] * (x.data[at] - mean.data[c]) * invstd.data[c];
              }
            db.data[c] = sumDy, dw.data[c] = sumDyXhat;
            T g = (bn.getWeight() ? in(bn.getWeight()).data[c] : T(1)) * invstd.data[c] / M;
            for (int64_t n = 0; n < N; ++n)
              for (int64_t i = 0; i < S; ++i) {
                int64_t at = (n * C + c) * S + i;
                T xhat = (x.data[at] - mean.data[c]) * invstd.data[c];
                dx.data[at] = g * (M * dy.data[at] - sumDy - xhat * sumDyXhat);
              }
          }
          if (bn.getWeight()) {
            values_[bn.getParamGrads()[0]] = dw;
            values_[bn.getParamGrads()[1]] = db;
          }
          return set(bn.getResult(), std::move(dx), e);
        })
        .template Case<nn::DropoutOp>([&](auto d) {
          const ref::Tensor<T> &x = in(d.getInput());
          ref::Tensor<T> mask;
          mask.shape = x.shape;
          mask.data.assign(x.data.size(), T(1));
          double rate = d.getRate().convertToDouble();
          if (training_)
            dropoutMask(/*seed=*/0, (uint64_t)d.getStream(), /*step=*/0, (float)rate, 0, (int64_t)mask.data.size(),
                        mask.data.data());
          values_[d.getMask()] = mask;
          if (!training_) return set(d.getResult(), x, e);
          return set(d.getResult(), ref::dropout(x, mask, rate, &e), e);
        })
        .template Case<nn::DropoutBackwardOp>([&](auto d) {
          return set(d.getResult(), ref::dropoutBackward(in(d.getGrad()), in(d.getMask()),
                     d.getRate().convertToDouble(), &e), e);
        })
        .template Case<nn::ConcatOp>([&](auto c) {
          std::vector<ref::Tensor<T>> xs;
          for (Value v : c.getInputs()) xs.push_back(in(v));
          return set(c.getResult(), ref::concat(xs, c.getAxisIndex(), &e), e);
        })
        .template Case<nn::ConcatBackwardOp>([&](auto c) {
          std::vector<std::vector<int64_t>> shapes;
          for (Value r : c.getResults()) shapes.push_back(shapeOf(r));
          std::vector<ref::Tensor<T>> parts = ref::concatBackward(in(c.getGrad()), shapes, (int64_t)c.getAxis(), &e);
          if (parts.size() != shapes.size()) return false;
          for (auto [r, t] : llvm::zip(c.getResults(), parts)) values_[r] = t;
          return true;
        })
        .template Case<nn::TransposeOp>([&](auto t) {
          std::vector<int64_t> perm(t.getPerm().begin(), t.getPerm().end());
          return set(t.getResult(), ref::transpose(in(t.getInput()), perm, &e), e);
        })
        .template Case<nn::DenseOp>([&](auto d) {
          const ref::Tensor<T> *b = d.getBias() ? &in(d.getBias()) : nullptr;
          return set(d.getResult(), ref::dense(in(d.getInput()), in(d.getWeight()), b, &e), e);
        })
        .template Case<nn::DenseBackwardDataOp>([&](auto d) {
          return set(d.getResult(), ref::denseBackwardData(in(d.getGrad()), in(d.getWeight()), &e), e);
        })
        .template Case<nn::DenseBackwardWeightsOp>([&](auto d) {
          if (!set(d.getWeightGrad(), ref::denseBackwardWeights(in(d.getInput()), in(d.getGrad()), &e), e)) return false;
          return !d.getBiasGrad() || set(d.getBiasGrad(), ref::biasBackward(in(d.getGrad()), &e), e);
        })
        .template Case<nn::ReluOp>([&](auto r) { return set(r.getResult(), ref::relu(in(r.getInput()), &e), e); })
        .template Case<nn::ReluBackwardOp>([&](auto r) {
          return set(r.getResult(), ref::reluBackward(in(r.getInput()), in(r.getGrad()), &e), e);
        })
        .template Case<nn::SigmoidOp>([&](auto r) { return set(r.getResult(), ref::sigmoid(in(r.getInput()), &e), e); })
        .template Case<nn::SigmoidBackwardOp>([&](auto r) {
          return set(r.getResult(), ref::sigmoidBackward(in(r.getInput()), in(r.getGrad()), &e), e);
        })
        .template Case<nn::TanhOp>([&](auto r) { return set(r.getResult(), ref::tanh(in(r.getInput()), &e), e); })
        .template Case<nn::TanhBackwardOp>([&](auto r) {
          return set(r.getResult(), ref::tanhBackward(in(r.getInput()), in(r.getGrad()), &e), e);
        })
        .template Case<nn::GeluOp>([&](auto r) { return set(r.getResult(), ref::gelu(in(r.getInput()), &e), e); })
        .template Case<nn::GeluBackwardOp>([&](auto r) {
          return set(r.getResult(), ref::geluBackward(in(r.getInput()), in(r.getGrad()), &e), e);
        })
        .template Case<nn::LeakyReluOp>([&](auto r) {
          return set(r.getResult(), ref::leakyRelu(in(r.getInput()), r.getSlope().convertToDouble(), &e), e);
        })
        .template Case<nn::LeakyReluBackwardOp>([&](auto r) {
          return set(r.getResult(), ref::leakyReluBackward(in(r.getInput()), in(r.getGrad()),
                     r.getSlope().convertToDouble(), &e), e);
        })
        .template Case<nn::SoftmaxOp>([&](auto s) {
          return set(s.getResult(), ref::softmax(in(s.getInput()), (int64_t)s.getAxis(), &e), e);
        })
        .template Case<nn::SoftmaxBackwardOp>([&](auto s) {
          return set(s.getResult(), ref::softmaxBackward(in(s.getOutput()), in(s.getGrad()), (int64_t)s.getAxis(), &e), e);
        })
        .template Case<nn::FlattenOp, nn::ReshapeOp>([&](auto r) {
          return set(r.getResult(), ref::reshape(in(r.getInput()), shapeOf(r.getResult()), &e), e);
        })
        .template Case<nn::ScaleOp>([&](auto s) {
          return set(s.getResult(), ref::scale(in(s.getInput()), s.getFactor().convertToDouble(), &e), e);
        })
        .template Case<nn::AddOp>([&](auto a) { return set(a.getResult(), ref::add(in(a.getLhs()), in(a.getRhs()), &e), e); })
        .template Case<nn::MulOp>([&](auto a) { return set(a.getResult(), ref::mul(in(a.getLhs()), in(a.getRhs()), &e), e); })
        .template Case<nn::SubOp>([&](auto a) { return set(a.getResult(), ref::sub(in(a.getLhs()), in(a.getRhs()), &e), e); })
        .template Case<nn::DivOp>([&](auto a) { return set(a.getResult(), ref::div(in(a.getLhs()), in(a.getRhs()), &e), e); })
        .template Case<nn::ReduceToOp>([&](auto r) {
          return set(r.getResult(), ref::reduceToShape(in(r.getInput()), shapeOf(r.getResult()), &e), e);
        })
        .template Case<nn::SoftmaxCrossEntropyOp>([&](auto s) {
          return set(s.getResult(), ref::softmaxCrossEntropy(in(s.getLogits()), labels(s.getLabels()), &e), e);
        })
        .template Case<nn::SoftmaxCrossEntropyBackwardOp>([&](auto s) {
          return set(s.getResult(), ref::softmaxCrossEntropyBackward(in(s.getLogits()), labels(s.getLabels()),
                     in(s.getGrad()).item(), &e), e);
        })
        .template Case<nn::AccuracyOp>([&](auto a) {
          return set(a.getResult(), ref::accuracy(in(a.getLogits()), labels(a.getLabels()), (int64_t)a.getTopK(),
                     ref::AccuracyTies::CaffeGreaterOrEqual, &e), e);
        })
        .template Case<nn::SgdUpdateOp>([&](auto s) {
          double lr = in(s.getLr()).item() * s.getLrMult().convertToDouble();
          double wd = s.getWeightDecay().convertToDouble() * s.getDecayMult().convertToDouble();
          double m = s.getMomentum().convertToDouble();
          ref::Tensor<T> w = in(s.getParam()), v = in(s.getVelocity());
          const ref::Tensor<T> &g = in(s.getGrad());
          for (size_t i = 0; i < w.data.size(); ++i) {
            double step = lr * (g.data[i] + wd * w.data[i]);
            v.data[i] = (T)(m * v.data[i] + step);
            w.data[i] = (T)(w.data[i] - (s.getNesterov() ? m * v.data[i] + step : v.data[i]));
          }
          values_[s.getNewParam()] = w;
          values_[s.getNewVelocity()] = v;
          return true;
        })
        .template Case<nn::AdamUpdateOp>([&](auto a) {
          double lr = in(a.getLr()).item() * a.getLrMult().convertToDouble();
          double wd = a.getWeightDecay().convertToDouble() * a.getDecayMult().convertToDouble();
          double b1 = a.getBeta1().convertToDouble(), b2 = a.getBeta2().convertToDouble();
          double eps = a.getEps().convertToDouble(), t = in(a.getStep()).item();
          double c1 = 1 - std::pow(b1, t + 1), c2 = 1 - std::pow(b2, t + 1);
          bool decoupled = a.getDecoupled();
          ref::Tensor<T> w = in(a.getParam()), m = in(a.getM()), s = in(a.getS());
          const ref::Tensor<T> &g = in(a.getGrad());
          for (size_t i = 0; i < w.data.size(); ++i) {
            double gi = decoupled ? (double)g.data[i] : g.data[i] + wd * w.data[i];
            m.data[i] = (T)(b1 * m.data[i] + (1 - b1) * gi);
            s.data[i] = (T)(b2 * s.data[i] + (1 - b2) * gi * gi);
            double u = (m.data[i] / c1) / (std::sqrt(s.data[i] / c2) + eps);
            if (decoupled) u += wd * w.data[i];
            w.data[i] = (T)(w.data[i] - lr * u);
          }
          values_[a.getNewParam()] = w;
          values_[a.getNewM()] = m;
          values_[a.getNewS()] = s;
          return true;
        })
        .template Case<nn::RmspropUpdateOp>([&](auto r) {
          double lr = in(r.getLr()).item() * r.getLrMult().convertToDouble();
          double wd = r.getWeightDecay().convertToDouble() * r.getDecayMult().convertToDouble();
          double rho = r.getDecay().convertToDouble(), eps = r.getEps().convertToDouble();
          double mu = r.getMomentum().convertToDouble();
          bool momentum = (bool)r.getMomentumBuffer();
          ref::Tensor<T> w = in(r.getParam()), s = in(r.getS()), b;
          if (momentum) b = in(r.getMomentumBuffer());
          const ref::Tensor<T> &g = in(r.getGrad());
          for (size_t i = 0; i < w.data.size(); ++i) {
            double gi = g.data[i] + wd * w.data[i];
            s.data[i] = (T)(rho * s.data[i] + (1 - rho) * gi * gi);
            double q = gi / (std::sqrt((double)s.data[i]) + eps);
            if (momentum) q = b.data[i] = (T)(mu * b.data[i] + q);
            w.data[i] = (T)(w.data[i] - lr * q);
          }
          values_[r.getNewParam()] = w;
          values_[r.getNewS()] = s;
          if (momentum) values_[r.getNewMomentumBuffer()] = b;
          return true;
        })
        .template Case<nn::AdagradUpdateOp>([&](auto a) {
          double lr = in(a.getLr()).item() * a.getLrMult().convertToDouble();
          double wd = a.getWeightDecay().convertToDouble() * a.getDecayMult().convertToDouble();
          double eps = a.getEps().convertToDouble();
          ref::Tensor<T> w = in(a.getParam()), s = in(a.getS());
          const ref::Tensor<T> &g = in(a.getGrad());
          for (size_t i = 0; i < w.data.size(); ++i) {
            double gi = g.data[i] + wd * w.data[i];
            s.data[i] = (T)(s.data[i] + gi * gi);
            w.data[i] = (T)(w.data[i] - lr * gi / (std::sqrt((double)s.data[i]) + eps));
          }
          values_[a.getNewParam()] = w;
          values_[a.getNewS()] = s;
          return true;
        })
        .template Case<nn::ClipByGlobalNormOp>([&](auto c) {
          double sum = 0;
          for (Value g : c.getGrads())
            for (T x : in(g).data) sum += (double)x * (double)x;
          double norm = std::sqrt(sum), maxNorm = c.getMaxNorm().convertToDouble();
          double factor = norm > maxNorm ? maxNorm / norm : 1;
          for (auto [g, r] : llvm::zip(c.getGrads(), c.getResults())) {
            ref::Tensor<T> t = in(g);
            for (T &x : t.data) x = (T)(x * factor);
            values_[r] = std::move(t);
          }
          return true;
        })
        .template Case<arith::ConstantOp>([&](auto c) {
          auto dense = dyn_cast<DenseElementsAttr>(c.getValue());
          if (!dense || !dense.isSplat()) return false;
          ref::Tensor<T> t;
          t.shape = shapeOf(c.getResult());
          int64_t n = 1;
          for (int64_t d : t.shape) n *= d;
          double v = dense.getElementType().isIntOrIndex()
                         ? (double)dense.template getSplatValue<APInt>().getSExtValue()
                         : dense.template getSplatValue<APFloat>().convertToDouble();
          t.data.assign(n, (T)v);
          values_[c.getResult()] = t;
          return true;
        })
        .Default([&](Operation *) { return false; });
  }

  llvm::DenseMap<Value, ref::Tensor<T>> values_;
  bool training_ = false;
};

} // namespace

template <typename T>
bool evaluate(func::FuncOp f, const std::vector<ref::Tensor<T>> &args, std::vector<ref::Tensor<T>> &results,
              std::string &error, const EvalObserver<T> &observer) {
  return Interpreter<T>().run(f, args, results, error, observer);
}

template bool evaluate<float>(func::FuncOp, const std::vector<ref::Tensor<float>> &,
                              std::vector<ref::Tensor<float>> &, std::string &, const EvalObserver<float> &);
template bool evaluate<double>(func::FuncOp, const std::vector<ref::Tensor<double>> &,
                               std::vector<ref::Tensor<double>> &, std::string &, const EvalObserver<double> &);

} // namespace nnc
