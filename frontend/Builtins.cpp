#include "frontend/Builtins.h"

#include "frontend/shapes/ShapeRules.h"

#include <fmt/format.h>

namespace nnc {
using namespace shapes;

const char *argKindName(ArgKind k) {
  switch (k) {
  case ArgKind::Tensor: return "a tensor";
  case ArgKind::Tensors: return "tensors";
  case ArgKind::Int: return "an int";
  case ArgKind::Float: return "a number";
  case ArgKind::Bool: return "true or false";
  case ArgKind::String: return "a string";
  case ArgKind::IntPair: return "an int or a list of two ints";
  case ArgKind::IntList: return "a list of ints";
  case ArgKind::DimList: return "a list of dimensions (ints, -1 or names such as N)";
  case ArgKind::FloatOrList: return "a number or a list of numbers";
  case ArgKind::Init: return "an initializer such as xavier() or constant(0)";
  }
  return "a value";
}

namespace {

Pair pairOf(const Value &v) { return {v.elems[0].i, v.elems[1].i}; }
const TensorType &T(const Value &v) { return v.type; }

ParamDef req(const char *n, ArgKind k) { return {n, k, true, Value::none()}; }
ParamDef opt(const char *n, ArgKind k, Value def = Value::none()) { return {n, k, false, std::move(def)}; }
Value I(int64_t x) { return Value::ofInt(x); }
Value F(double x) { return Value::ofFloat(x); }
Value B(bool x) { return Value::ofBool(x); }
Value init(const char *name, std::vector<std::pair<const char *, Value>> args = {}) {
  Value v;
  v.kind = Value::Kind::Call;
  v.str = name;
  for (auto &[n, a] : args) {
    v.argNames.push_back(n);
    v.elems.push_back(a);
  }
  return v;
}

// Parameters shared by the ops that own weights.
std::vector<ParamDef> withWeights(std::vector<ParamDef> ps) {
  ps.push_back(opt("bias", ArgKind::Bool, B(true)));
  ps.push_back(opt("weight_init", ArgKind::Init, init("xavier")));
  ps.push_back(opt("bias_init", ArgKind::Init, init("constant", {{"value", F(0)}})));
  ps.push_back(opt("lr_mult", ArgKind::Float, F(1)));
  ps.push_back(opt("decay_mult", ArgKind::Float, F(1)));
  ps.push_back(opt("bias_lr_mult", ArgKind::Float, F(1)));
  ps.push_back(opt("bias_decay_mult", ArgKind::Float, F(1)));
  return ps;
}

std::vector<ParamDef> poolParams() {
  return {req("x", ArgKind::Tensor), req("kernel", ArgKind::IntPair),
          opt("stride", ArgKind::IntPair), opt("pad", ArgKind::IntPair, I(0)),
          opt("ceil", ArgKind::Bool, B(false))};
}

PoolAttrs poolAttrs(const std::vector<Value> &a) {
  PoolAttrs p;
  p.kernel = pairOf(a[1]);
  p.stride = a[2].kind == Value::Kind::None ? p.kernel : pairOf(a[2]);
  p.pad = pairOf(a[3]);
  p.ceil = a[4].b;
  return p;
}

ShapeResult unary(const char *op, const std::vector<Value> &a) { return activation(op, T(a[0])); }

std::vector<BuiltinDef> makeTable() {
  using K = ArgKind;
  const auto Op = BuiltinKind::Op;
  std::vector<BuiltinDef> t = {
      {"conv2d", Op,
       withWeights({req("x", K::Tensor), req("out", K::Int), req("kernel", K::IntPair),
                    opt("stride", K::IntPair, I(1)), opt("pad", K::IntPair, I(0)),
                    opt("dilation", K::IntPair, I(1)), opt("groups", K::Int, I(1))}),
       [](const std::vector<Value> &a) {
         Conv2dAttrs c;
         c.out = a[1].i;
         c.kernel = pairOf(a[2]);
         c.stride = pairOf(a[3]);
         c.pad = pairOf(a[4]);
         c.dilation = pairOf(a[5]);
         c.groups = a[6].i;
         c.bias = a[7].b;
         return conv2d(T(a[0]), c);
       },
       "2-D convolution over NCHW input"},
      {"dense", Op, withWeights({req("x", K::Tensor), req("out", K::Int)}),
       [](const std::vector<Value> &a) { return dense(T(a[0]), DenseAttrs{a[1].i, a[2].b}); },
       "fully connected layer on [N, features]"},
      {"max_pool", Op, poolParams(),
       [](const std::vector<Value> &a) { return maxPool(T(a[0]), poolAttrs(a)); },
       "max pooling"},
      {"avg_pool", Op, poolParams(),
       [](const std::vector<Value> &a) { return avgPool(T(a[0]), poolAttrs(a)); },
       "average pooling (padding counted in the window)"},
      {"lrn", Op,
       {req("x", K::Tensor), opt("size", K::Int, I(5)), opt("alpha", K::Float, F(1e-4)),
        opt("beta", K::Float, F(0.75)), opt("k", K::Float, F(1.0))},
       [](const std::vector<Value> &a) {
         return lrn(T(a[0]), LrnAttrs{a[1].i, a[2].f, a[3].f, a[4].f});
       },
       "local response normalization across channels"},
      {"batch_norm", Op,
       {req("x", K::Tensor), opt("momentum", K::Float, F(0.9)), opt("eps", K::Float, F(1e-5)),
        opt("affine", K::Bool, B(true))},
       [](const std::vector<Value> &a) {
         return batchNorm(T(a[0]), BatchNormAttrs{a[1].f, a[2].f, a[3].b});
       },
       "batch normalization with running statistics"},
      {"dropout", Op, {req("x", K::Tensor), opt("rate", K::Float, F(0.5))},
       [](const std::vector<Value> &a) { return dropout(T(a[0]), a[1].f); },
       "inverted dropout (identity when evaluating)"},
      {"relu", Op, {req("x", K::Tensor)},
       [](const std::vector<Value> &a) { return unary("relu", a); }, "max(x, 0)"},
      {"leaky_relu", Op, {req("x", K::Tensor), opt("slope", K::Float, F(0.01))},
       [](const std::vector<Value> &a) { return unary("leaky_relu", a); },
       "x for x > 0, slope * x otherwise"},
      {"sigmoid", Op, {req("x", K::Tensor)},
       [](const std::vector<Value> &a) { return unary("sigmoid", a); }, "1 / (1 + exp(-x))"},
      {"tanh", Op, {req("x", K::Tensor)},
       [](const std::vector<Value> &a) { return unary("tanh", a); }, "hyperbolic tangent"},
      {"gelu", Op, {req("x", K::Tensor)},
       [](const std::vector<Value> &a) { return unary("gelu", a); }, "Gaussian error linear unit"},
      {"softmax", Op, {req("x", K::Tensor), opt("axis", K::Int, I(1))},
       [](const std::vector<Value> &a) { return softmax(T(a[0]), a[1].i); }, "softmax along an axis"},
      {"softmax_cross_entropy", Op, {req("logits", K::Tensor), req("labels", K::Tensor)},
       [](const std::vector<Value> &a) { return softmaxCrossEntropy(T(a[0]), T(a[1])); },
       "mean softmax cross-entropy loss over the batch"},
      {"accuracy", Op,
       {req("logits", K::Tensor), req("labels", K::Tensor), opt("top_k", K::Int, I(1))},
       [](const std::vector<Value> &a) { return accuracy(T(a[0]), T(a[1]), a[2].i); },
       "fraction of examples whose label is among the top_k logits"},
      {"flatten", Op, {req("x", K::Tensor), opt("axis", K::Int, I(1))},
       [](const std::vector<Value> &a) { return flatten(T(a[0]), a[1].i); },
       "collapse the dimensions from axis on into one"},
      {"reshape", Op, {req("x", K::Tensor), req("shape", K::DimList)},
       [](const std::vector<Value> &a) {
         std::vector<Dim> dims;
         for (const Value &d : a[1].elems)
           dims.push_back(d.kind == Value::Kind::Symbol ? Dim::sym(d.str) : Dim::known(d.i));
         return reshape(T(a[0]), dims);
       },
       "same elements, new shape"},
      {"transpose", Op, {req("x", K::Tensor), req("perm", K::IntList)},
       [](const std::vector<Value> &a) {
         std::vector<int64_t> perm;
         for (const Value &d : a[1].elems) perm.push_back(d.i);
         return transpose(T(a[0]), perm);
       },
       "permute dimensions"},
      {"concat", Op, {req("xs", K::Tensors), opt("axis", K::Int, I(1))},
       [](const std::vector<Value> &a) {
         std::vector<TensorType> xs;
         for (const Value &x : a[0].elems) xs.push_back(x.type);
         return concat(xs, a[1].i);
       },
       "join tensors along an axis"},
      {"add", Op, {req("a", K::Tensor), req("b", K::Tensor)},
       [](const std::vector<Value> &a) { return broadcast("add", T(a[0]), T(a[1])); },
       "elementwise a + b with broadcasting"},
      {"sub", Op, {req("a", K::Tensor), req("b", K::Tensor)},
       [](const std::vector<Value> &a) { return broadcast("sub", T(a[0]), T(a[1])); },
       "elementwise a - b with broadcasting"},
      {"mul", Op, {req("a", K::Tensor), req("b", K::Tensor)},
       [](const std::vector<Value> &a) { return broadcast("mul", T(a[0]), T(a[1])); },
       "elementwise a * b with broadcasting"},
      {"div", Op, {req("a", K::Tensor), req("b", K::Tensor)},
       [](const std::vector<Value> &a) { return broadcast("div", T(a[0]), T(a[1])); },
       "elementwise a / b with broadcasting"},
      {"scale", Op, {req("x", K::Tensor), req("factor", K::Float)},
       [](const std::vector<Value> &a) { return scale(T(a[0]), a[1].f); }, "x * factor"},

      // Initializers (values of weight_init / bias_init).
      {"constant", BuiltinKind::Initializer, {opt("value", K::Float, F(0))}},
      {"uniform", BuiltinKind::Initializer, {opt("low", K::Float, F(-0.05)), opt("high", K::Float, F(0.05))}},
      {"gaussian", BuiltinKind::Initializer, {opt("mean", K::Float, F(0)), opt("std", K::Float, F(0.01))}},
      {"xavier", BuiltinKind::Initializer, {}},
      {"msra", BuiltinKind::Initializer, {}},

      // Solver methods.
      {"sgd", BuiltinKind::SolverMethod, {opt("momentum", K::Float, F(0)), opt("nesterov", K::Bool, B(false))}},
      {"adam", BuiltinKind::SolverMethod,
       {opt("beta1", K::Float, F(0.9)), opt("beta2", K::Float, F(0.999)), opt("eps", K::Float, F(1e-8))}},
      {"adamw", BuiltinKind::SolverMethod,
       {opt("beta1", K::Float, F(0.9)), opt("beta2", K::Float, F(0.999)), opt("eps", K::Float, F(1e-8))}},
      {"rmsprop", BuiltinKind::SolverMethod,
       {opt("decay", K::Float, F(0.99)), opt("eps", K::Float, F(1e-8)), opt("momentum", K::Float, F(0))}},
      {"adagrad", BuiltinKind::SolverMethod, {opt("eps", K::Float, F(1e-8))}},

      // Learning-rate policies (factors of lr).
      {"fixed", BuiltinKind::LrPolicy, {}},
      {"step", BuiltinKind::LrPolicy, {req("gamma", K::Float), req("step", K::Int)}},
      {"multistep", BuiltinKind::LrPolicy, {req("gamma", K::Float), req("steps", K::IntList)}},
      {"exp", BuiltinKind::LrPolicy, {req("gamma", K::Float)}},
      {"inv", BuiltinKind::LrPolicy, {req("gamma", K::Float), req("power", K::Float)}},
      {"poly", BuiltinKind::LrPolicy, {req("power", K::Float), req("max_iter", K::Int)}},
      {"sigmoid", BuiltinKind::LrPolicy, {req("gamma", K::Float), req("step", K::Int)}},
      {"cosine", BuiltinKind::LrPolicy, {req("max_iter", K::Int), opt("min_lr", K::Float, F(0))}},
      {"warmup", BuiltinKind::LrPolicy, {req("iters", K::Int)}},

      // Data sources and transforms.
      {"idx", BuiltinKind::DataSource, {req("images", K::String), req("labels", K::String)}},
      {"synthetic", BuiltinKind::DataSource, {opt("count", K::Int, I(1024)), opt("classes", K::Int, I(1000))}},
      {"scale", BuiltinKind::DataTransform, {req("factor", K::Float)}},
      {"normalize", BuiltinKind::DataTransform, {req("mean", K::FloatOrList), req("std", K::FloatOrList)}},
      {"shuffle", BuiltinKind::DataTransform, {}},
      {"random_crop", BuiltinKind::DataTransform, {req("size", K::Int), opt("pad", K::Int, I(0))}},
      {"mirror", BuiltinKind::DataTransform, {}},
  };
  return t;
}

} // namespace

int BuiltinDef::paramIndex(const std::string &n) const {
  for (size_t i = 0; i < params.size(); ++i)
    if (n == params[i].name) return (int)i;
  return -1;
}

bool BuiltinDef::ownsParams() const {
  return kind == BuiltinKind::Op &&
         (paramIndex("weight_init") >= 0 || std::string(name) == "batch_norm");
}

const std::vector<BuiltinDef> &allBuiltins() {
  static const std::vector<BuiltinDef> table = makeTable();
  return table;
}

const BuiltinDef *findBuiltin(const std::string &name, std::initializer_list<BuiltinKind> kinds) {
  for (const BuiltinDef &d : allBuiltins())
    for (BuiltinKind k : kinds)
      if (d.kind == k && name == d.name) return &d;
  return nullptr;
}

std::vector<std::string> builtinNames(BuiltinKind kind) {
  std::vector<std::string> names;
  for (const BuiltinDef &d : allBuiltins())
    if (d.kind == kind) names.push_back(d.name);
  return names;
}

std::string coerceArg(ArgKind kind, Value &v) {
  using VK = Value::Kind;
  if (v.isError()) return "";
  auto fail = [&] { return fmt::format("expects {}, got {}", argKindName(kind), v.describe()); };
  switch (kind) {
  case ArgKind::Tensor:
    return v.kind == VK::Tensor ? "" : fail();
  case ArgKind::Tensors:
    for (Value &e : v.elems)
      if (e.kind != VK::Tensor && !e.isError()) return fmt::format("expects tensors, got {}", e.describe());
    return "";
  case ArgKind::Int:
    return v.kind == VK::Int ? "" : fail();
  case ArgKind::Float:
    if (v.kind == VK::Int) v = Value::ofFloat((double)v.i);
    return v.kind == VK::Float ? "" : fail();
  case ArgKind::Bool:
    return v.kind == VK::Bool ? "" : fail();
  case ArgKind::String:
    return v.kind == VK::String ? "" : fail();
  case ArgKind::IntPair:
    if (v.kind == VK::Int) {
      v = Value::ofList({v, v});
      return "";
    }
    if (v.kind == VK::List && v.elems.size() == 2 && v.elems[0].kind == VK::Int &&
        v.elems[1].kind == VK::Int)
      return "";
    return fail();
  case ArgKind::IntList:
    if (v.kind != VK::List) return fail();
    for (const Value &e : v.elems)
      if (e.kind != VK::Int) return fail();
    return "";
  case ArgKind::DimList:
    if (v.kind != VK::List) return fail();
    for (const Value &e : v.elems)
      if (e.kind != VK::Int && e.kind != VK::Symbol) return fail();
    return "";
  case ArgKind::FloatOrList:
    if (v.kind == VK::Int) v = Value::ofFloat((double)v.i);
    if (v.kind == VK::Float) return "";
    if (v.kind != VK::List) return fail();
    for (Value &e : v.elems) {
      if (e.kind == VK::Int) e = Value::ofFloat((double)e.i);
      if (e.kind != VK::Float) return fail();
    }
    return "";
  case ArgKind::Init:
    return v.kind == VK::Call && findBuiltin(v.str, {BuiltinKind::Initializer}) ? "" : fail();
  }
  return fail();
}

} // namespace nnc
