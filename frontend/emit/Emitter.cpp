//===- Emitter.cpp - Elaborated network -> nn dialect ----------------------===//
#include "frontend/emit/Emitter.h"

#include "ir/NNOps.h"
#include "runtime/Philox.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"

#include <fmt/format.h>

using namespace mlir;

namespace nnc {

namespace {

class Emitter {
public:
  Emitter(MLIRContext &ctx, const Graph &g, const SolverConfig &solver, DiagnosticEngine &diags)
      : ctx_(ctx), g_(g), solver_(solver), diags_(diags), b_(&ctx) {}

  OwningOpRef<ModuleOp> run() {
    OwningOpRef<ModuleOp> module = ModuleOp::create(loc(g_.loc));
    b_.setInsertionPointToEnd(module->getBody());
    (*module)->setAttr("nn.network", b_.getStringAttr(g_.name));
    if (solver_.present) (*module)->setAttr("nn.solver", solverAttr());

    // Parameters, in graph order: their symbols and the function's arguments.
    SmallVector<Type> argTypes;
    SmallVector<DictionaryAttr> argAttrs;
    for (const auto &[name, id] : g_.inputs) {
      shapes::DType dt = g_.nodes[id].type.dtype;
      if (dt == shapes::DType::F16 || dt == shapes::DType::BF16) {
        diags_.report(Diag::UnsupportedOp, g_.nodes[id].loc,
                      fmt::format("input '{}': element type '{}' is not supported on cpu yet (use f32)", name,
                                  shapes::dtypeName(dt)));
        return nullptr;
      }
      argTypes.push_back(tensorType(g_.nodes[id].type));
      argAttrs.push_back(b_.getDictionaryAttr({b_.getNamedAttr("nn.input", b_.getStringAttr(name))}));
    }
    for (const Node &n : g_.nodes)
      for (const shapes::ParamSpec &p : n.params) {
        std::string full = n.paramPrefix + "." + p.name;
        auto type = RankedTensorType::get(p.shape, b_.getF32Type());
        bool isBias = p.name == "bias";
        const Value *init = n.attr(isBias ? "bias_init" : "weight_init");
        const Value *lr = n.attr(isBias ? "bias_lr_mult" : "lr_mult");
        const Value *decay = n.attr(isBias ? "bias_decay_mult" : "decay_mult");
        // batch_norm (SPEC 11.2): weight 1, bias 0, running_mean 0, running_var 1.
        std::string initStr = init ? init->str_() : "constant(value=0)";
        if (n.op == "batch_norm")
          initStr = p.name == "weight" || p.name == "running_var" ? "constant(value=1)" : "constant(value=0)";
        auto param = b_.create<nn::ParameterOp>(
            loc(n.loc), b_.getStringAttr(full), TypeAttr::get(type), b_.getStringAttr(initStr),
            b_.getF64FloatAttr(lr ? lr->f : 1.0), b_.getF64FloatAttr(decay ? decay->f : 1.0),
            p.trainable ? nullptr : b_.getUnitAttr());
        (void)param;
        paramIndex_[full] = argTypes.size();
        argTypes.push_back(type);
        argAttrs.push_back(b_.getDictionaryAttr(
            {b_.getNamedAttr("nn.param", FlatSymbolRefAttr::get(b_.getStringAttr(full)))}));
      }
    SmallVector<Type> resultTypes;
    SmallVector<Attribute> outputNames;
    for (const auto &[name, id] : g_.outputs) {
      resultTypes.push_back(tensorType(g_.nodes[id].type));
      outputNames.push_back(b_.getStringAttr(name));
    }
    auto func = b_.create<func::FuncOp>(loc(g_.loc), "forward", b_.getFunctionType(argTypes, resultTypes));
    func.setAllArgAttrs(argAttrs);
    func->setAttr("nn.outputs", b_.getArrayAttr(outputNames));
    for (size_t i = 0; i < g_.outputs.size(); ++i)
      if (g_.outputs[i].first == (solver_.present ? solver_.minimize : std::string("loss")))
        func->setAttr("nn.loss", b_.getI64IntegerAttr(i));

    Block *entry = func.addEntryBlock();
    b_.setInsertionPointToStart(entry);
    for (size_t i = 0; i < g_.inputs.size(); ++i) values_[g_.inputs[i].second] = entry->getArgument(i);
    args_ = entry->getArguments();
    bool ok = true;
    for (size_t id = 0; id < g_.nodes.size() && ok; ++id)
      if (g_.nodes[id].op != "input") ok = emitNode((int)id);
    if (!ok) return nullptr;
    SmallVector<mlir::Value> results;
    for (const auto &[name, id] : g_.outputs) results.push_back(values_[id]);
    b_.create<func::ReturnOp>(loc(g_.loc), results);
    return module;
  }

private:
  Location loc(SourceRange r) {
    if (!r.valid()) return UnknownLoc::get(&ctx_);
    const SourceFile &f = diags_.sources().file(r.file);
    LineCol lc = f.lineCol(r.begin);
    return FileLineColLoc::get(&ctx_, f.path(), lc.line, lc.col);
  }

  RankedTensorType tensorType(const shapes::TensorType &t) { return nn::fromShapes(t, &ctx_); }

  /// The method and every one of its arguments (defaults filled in: momentum
  /// and nesterov for sgd; beta1, beta2, eps for adam and adamw; decay, eps,
  /// momentum for rmsprop; eps for adagrad), weight_decay, batch, and
  /// clip_norm when clipping is on.
  DictionaryAttr solverAttr() {
    const Value &m = solver_.method;
    bool call = m.kind == Value::Kind::Call;
    SmallVector<NamedAttribute> attrs = {
        b_.getNamedAttr("method", b_.getStringAttr(call ? m.str : "sgd")),
        b_.getNamedAttr("weight_decay", b_.getF64FloatAttr(solver_.weightDecay)),
        b_.getNamedAttr("batch", b_.getI64IntegerAttr(solver_.batch)),
    };
    if (call) {
      for (size_t k = 0; k < m.argNames.size() && k < m.elems.size(); ++k) {
        const Value &v = m.elems[k];
        if (v.isNumber()) attrs.push_back(b_.getNamedAttr(m.argNames[k], b_.getF64FloatAttr(v.number())));
        else if (v.kind == Value::Kind::Bool) attrs.push_back(b_.getNamedAttr(m.argNames[k], b_.getBoolAttr(v.b)));
      }
    } else {
      attrs.append({b_.getNamedAttr("momentum", b_.getF64FloatAttr(0)),
                    b_.getNamedAttr("nesterov", b_.getBoolAttr(false))});
    }
    if (solver_.clipNorm > 0) attrs.push_back(b_.getNamedAttr("clip_norm", b_.getF64FloatAttr(solver_.clipNorm)));
    return b_.getDictionaryAttr(attrs);
  }

  mlir::Value param(const Node &n, const char *name) {
    for (const shapes::ParamSpec &p : n.params)
      if (p.name == name) return args_[paramIndex_.at(n.paramPrefix + "." + name)];
    return mlir::Value();
  }

  DenseI64ArrayAttr pair(const Node &n, const char *name) {
    const Value *v = n.attr(name);
    if (!v || v->kind != Value::Kind::List) return b_.getDenseI64ArrayAttr({1, 1});
    return b_.getDenseI64ArrayAttr({v->elems[0].i, v->elems[1].i});
  }

  bool emitNode(int id) {
    const Node &n = g_.nodes[id];
    Location l = loc(n.loc);
    SmallVector<mlir::Value> in;
    for (int o : n.operands) in.push_back(values_[o]);
    Operation *op = nullptr;
    if (n.op == "conv2d") {
      op = b_.create<nn::Conv2dOp>(l, in[0], param(n, "weight"), param(n, "bias"), pair(n, "stride"),
                                   pair(n, "pad"), pair(n, "dilation"), b_.getI64IntegerAttr(n.attr("groups")->i));
    } else if (n.op == "max_pool") {
      const Value *stride = n.attr("stride");
      op = b_.create<nn::MaxPoolOp>(l, in[0], pair(n, "kernel"),
                                    stride && stride->kind == Value::Kind::List ? pair(n, "stride") : pair(n, "kernel"),
                                    pair(n, "pad"), b_.getBoolAttr(n.attr("ceil")->b));
    } else if (n.op == "avg_pool") {
      const Value *stride = n.attr("stride");
      op = b_.create<nn::AvgPoolOp>(l, in[0], pair(n, "kernel"),
                                    stride && stride->kind == Value::Kind::List ? pair(n, "stride") : pair(n, "kernel"),
                                    pair(n, "pad"), b_.getBoolAttr(n.attr("ceil")->b));
    } else if (n.op == "lrn") {
      op = b_.create<nn::LrnOp>(l, in[0], b_.getI64IntegerAttr(n.attr("size")->i), b_.getF64FloatAttr(n.attr("alpha")->f),
                                b_.getF64FloatAttr(n.attr("beta")->f), b_.getF64FloatAttr(n.attr("k")->f));
    } else if (n.op == "batch_norm") {
      SmallVector<mlir::Value> affine;
      if (mlir::Value w = param(n, "weight")) affine = {w, param(n, "bias")};
      op = b_.create<nn::BatchNormOp>(l, in[0], affine, param(n, "running_mean"), param(n, "running_var"),
                                      b_.getF64FloatAttr(n.attr("momentum")->f), b_.getF64FloatAttr(n.attr("eps")->f));
    } else if (n.op == "dropout") {
      // The mask's stream is named after the op, so adding a layer does not move the others' masks.
      op = b_.create<nn::DropoutOp>(l, in[0], b_.getF64FloatAttr(n.attr("rate")->f),
                                    b_.getI64IntegerAttr((int64_t)stableHash(n.instance + "/" + n.name)));
    } else if (n.op == "concat") {
      op = b_.create<nn::ConcatOp>(l, in, b_.getI64IntegerAttr(n.attr("axis")->i));
    } else if (n.op == "reshape") {
      op = b_.create<nn::ReshapeOp>(l, tensorType(n.type), in[0]);
    } else if (n.op == "transpose") {
      SmallVector<int64_t> perm;
      for (const Value &d : n.attr("perm")->elems) perm.push_back(d.i);
      op = b_.create<nn::TransposeOp>(l, in[0], b_.getDenseI64ArrayAttr(perm));
    } else if (n.op == "dense") {
      op = b_.create<nn::DenseOp>(l, in[0], param(n, "weight"), param(n, "bias"));
    } else if (n.op == "relu") {
      op = b_.create<nn::ReluOp>(l, in[0]);
    } else if (n.op == "sigmoid") {
      op = b_.create<nn::SigmoidOp>(l, in[0]);
    } else if (n.op == "tanh") {
      op = b_.create<nn::TanhOp>(l, in[0]);
    } else if (n.op == "gelu") {
      op = b_.create<nn::GeluOp>(l, in[0]);
    } else if (n.op == "leaky_relu") {
      op = b_.create<nn::LeakyReluOp>(l, in[0], b_.getF64FloatAttr(n.attr("slope")->f));
    } else if (n.op == "softmax") {
      op = b_.create<nn::SoftmaxOp>(l, in[0], b_.getI64IntegerAttr(n.attr("axis")->i));
    } else if (n.op == "flatten") {
      op = b_.create<nn::FlattenOp>(l, in[0], b_.getI64IntegerAttr(n.attr("axis")->i));
    } else if (n.op == "softmax_cross_entropy") {
      op = b_.create<nn::SoftmaxCrossEntropyOp>(l, in[0], in[1]);
    } else if (n.op == "accuracy") {
      op = b_.create<nn::AccuracyOp>(l, in[0], in[1], b_.getI64IntegerAttr(n.attr("top_k")->i));
    } else if (n.op == "add") {
      op = b_.create<nn::AddOp>(l, in[0], in[1]);
    } else if (n.op == "mul") {
      op = b_.create<nn::MulOp>(l, in[0], in[1]);
    } else if (n.op == "sub") {
      op = b_.create<nn::SubOp>(l, in[0], in[1]);
    } else if (n.op == "div") {
      op = b_.create<nn::DivOp>(l, in[0], in[1]);
    } else if (n.op == "scale") {
      op = b_.create<nn::ScaleOp>(l, in[0], b_.getF64FloatAttr(n.attr("factor")->f));
    } else {
      diags_.report(Diag::UnsupportedOp, n.loc,
                    fmt::format("op '{}' is not supported on cpu yet", n.op));
      return false;
    }
    op->setAttr("nn.name", b_.getStringAttr(n.name));
    if (!n.instance.empty()) op->setAttr("nn.instance", b_.getStringAttr(n.instance));
    if (n.granularity != Granularity::Auto)
      op->setAttr("nn.granularity", b_.getStringAttr(n.granularity == Granularity::Coarse ? "coarse" : "fine"));
    values_[id] = op->getResult(0);
    return true;
  }

  MLIRContext &ctx_;
  const Graph &g_;
  const SolverConfig &solver_;
  DiagnosticEngine &diags_;
  OpBuilder b_;
  std::map<int, mlir::Value> values_;
  std::map<std::string, size_t> paramIndex_;
  Block::BlockArgListType args_;
};

} // namespace

OwningOpRef<ModuleOp> emitModule(MLIRContext &ctx, const Graph &g, const SolverConfig &solver,
                                 DiagnosticEngine &diags) {
  return Emitter(ctx, g, solver, diags).run();
}

} // namespace nnc
