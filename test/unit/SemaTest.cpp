// Name resolution and elaboration: scopes, blocks, repeat, pipes, naming,
// argument checking, solver and data sections.
#include "TestUtil.h"

#include <gtest/gtest.h>

using namespace nnc;
using nnc::test::checkText;

namespace {

const char *kHead = "nn 1\n";

TEST(Sema, NamesAreBoundOnceAndBeforeUse) {
  auto c = checkText(std::string(kHead) + R"(network n {
  input x: f32[N, 4]
  a = relu(b)
  b = relu(x)
  b = relu(x)
  output y = relu(a)
}
)");
  EXPECT_TRUE(c.has("E0045")); // a uses b before it is bound
  EXPECT_TRUE(c.has("E0041")); // b bound twice
}

TEST(Sema, UnknownNamesGetSuggestions) {
  auto c = checkText(std::string(kHead) + R"(network n {
  input image: f32[N, 4]
  output y = relu(imgae)
}
)");
  ASSERT_TRUE(c.has("E0040"));
  EXPECT_NE(c.firstMessage().find("did you mean 'image'"), std::string::npos) << c.firstMessage();
  auto op = checkText(std::string(kHead) + "network n {\n  input x: f32[N, 4]\n  output y = rleu(x)\n}\n");
  ASSERT_TRUE(op.has("E0044"));
  EXPECT_NE(op.firstMessage().find("did you mean 'relu'"), std::string::npos);
}

TEST(Sema, WarningsForUnusedAndShadowing) {
  auto c = checkText(std::string(kHead) + R"(network n {
  input x: f32[N, 4]
  unused = relu(x)
  relu = sigmoid(x)
  output y = relu
}
)");
  EXPECT_EQ(c.errors(), 0u);
  EXPECT_TRUE(c.has("W0001"));
  EXPECT_TRUE(c.has("W0002"));
}

TEST(Sema, ArgumentsOfOpsAndBlocks) {
  auto c = checkText(std::string(kHead) + R"(block b(x, out: int) {
  return dense(x, out=out)
}
network n {
  input x: f32[N, 4]
  a = dense(x, out=3, outt=4)
  c = dense(x)
  d = b(x, 1, 2)
  e = b(x, out=1, out=2)
  f = dense(x, out=2.5)
  output y = add(a, add(c, add(d, add(e, f))))
}
)");
  EXPECT_TRUE(c.has("E0052")); // outt
  EXPECT_TRUE(c.has("E0051")); // dense without out
  EXPECT_TRUE(c.has("E0050")); // b with three positionals
  EXPECT_TRUE(c.has("E0053")); // out twice
}

TEST(Sema, ArgumentKinds) {
  auto c = checkText(std::string(kHead) + R"(network n {
  input x: f32[N, 4]
  output y = dense(x, out=2.5)
}
)");
  ASSERT_TRUE(c.has("E0054"));
  EXPECT_NE(c.firstMessage().find("argument 'out' of dense expects an int, got float 2.5"), std::string::npos)
      << c.firstMessage();
}

TEST(Sema, ShapeErrorsPointAtTheOperand) {
  auto c = checkText(std::string(kHead) + R"(network n {
  input x: f32[N, 1, 28, 28]
  output y = dense(x, out=10)
}
)");
  ASSERT_TRUE(c.has("E0060"));
  const Diagnostic &d = c.fe->diags().diagnostics()[0];
  const SourceFile &f = c.fe->sources().file(d.range.file);
  EXPECT_EQ(f.text().substr(d.range.begin, d.range.end - d.range.begin), "x");
}

TEST(Sema, BlocksInlineWithInstanceNames) {
  auto c = checkText(std::string(kHead) + R"(block cr(x, out: int, k: int = 3, pad: int = (k - 1) / 2) {
  return relu(conv2d(x, out=out, kernel=k, pad=pad))
}
block two(x, out: int) {
  a = cr(x, out)
  return cr(a, out)
}
network n {
  input x: f32[N, 3, 32, 32]
  s = cr(x, 8)
  t = two(s, 16)
  output y = t
}
)");
  ASSERT_EQ(c.errors(), 0u) << c.firstMessage();
  const Node *conv = c.node("s.conv2d0");
  ASSERT_TRUE(conv);
  EXPECT_EQ(conv->paramPrefix, "s");
  EXPECT_EQ(conv->type.str(), "f32[N, 8, 32, 32]"); // pad defaulted from k
  ASSERT_TRUE(c.node("t.a.conv2d0"));
  EXPECT_EQ(c.node("t.a.conv2d0")->paramPrefix, "t.a");
  EXPECT_EQ(c.node("t.conv2d0")->paramPrefix, "t");
  EXPECT_EQ(c.node("t.conv2d0")->instance, "t");
  EXPECT_EQ(c.net().parameterCount(), (8 * 3 * 9 + 8) + (16 * 8 * 9 + 16) + (16 * 16 * 9 + 16));
}

TEST(Sema, ParameterNamesWithSeveralUnits) {
  auto c = checkText(std::string(kHead) + R"(network n {
  input x: f32[N, 4]
  f1 = dense(relu(dense(x, out=8)), out=2)
  output y = f1
}
)");
  ASSERT_EQ(c.errors(), 0u);
  EXPECT_EQ(c.node("f1.dense0")->paramPrefix, "f1.dense0");
  EXPECT_EQ(c.node("f1")->paramPrefix, "f1.dense1");
}

TEST(Sema, RepeatUnrollsWithIndex) {
  auto c = checkText(std::string(kHead) + R"(network n {
  input x: f32[N, 4]
  s = repeat 3 as i with h = x {
    return relu(dense(h, out=8 * (i + 1)))
  }
  output y = s
}
)");
  ASSERT_EQ(c.errors(), 0u) << c.firstMessage();
  EXPECT_EQ(c.node("s.2")->type.str(), "f32[N, 24]");
  EXPECT_EQ(c.node("s.0.dense0")->paramPrefix, "s.0");
  EXPECT_EQ(c.net().parameterCount(), (4 * 8 + 8) + (8 * 16 + 16) + (16 * 24 + 24));
}

TEST(Sema, PipesPassTheLeftValueFirst) {
  auto c = checkText(std::string(kHead) + R"(block head(x, classes: int) {
  return x | dense(out=classes)
}
network n {
  input image: f32[N, 1, 28, 28]
  h = image | flatten | dense(out=32) | relu
  output logits = h | head(10)
}
)");
  ASSERT_EQ(c.errors(), 0u) << c.firstMessage();
  EXPECT_EQ(c.node("h")->op, "relu");
  EXPECT_EQ(c.node("h.dense0")->paramPrefix, "h");
  EXPECT_EQ(c.node("logits")->type.str(), "f32[N, 10]");
}

TEST(Sema, TensorAnnotationsBindSymbols) {
  // A dimension name binds the argument's dimension (C is 3 here); SPEC 8.2
  // allows it inside a reshape shape list only.
  auto c = checkText(std::string(kHead) + R"(block proj(x: f32[N, C, _, _]) {
  return reshape(x, [N, C * 2, 4, 8])
}
network n {
  input x: f32[N, 3, 8, 8]
  output y = proj(x)
}
)");
  ASSERT_EQ(c.errors(), 0u) << c.firstMessage();
  EXPECT_EQ(c.node("y")->type.str(), "f32[N, 6, 4, 8]");
  auto asInt = checkText(std::string(kHead) + R"(block proj(x: f32[N, C, _, _]) {
  return conv2d(x, out=C * 2, kernel=1)
}
network n {
  input x: f32[N, 3, 8, 8]
  output y = proj(x)
}
)");
  EXPECT_EQ(asInt.errors(), 1u);
  EXPECT_TRUE(asInt.has("E0054"));
  auto bad = checkText(std::string(kHead) + R"(block p(x: f32[N, 3, 28, 28]) {
  return x
}
network n {
  input x: f32[N, 3, 32, 32]
  output y = p(x)
}
)");
  ASSERT_TRUE(bad.has("E0058"));
  EXPECT_NE(bad.firstMessage().find("dimension 2 is 32, expected 28"), std::string::npos) << bad.firstMessage();
}

TEST(Sema, ErrorsInsideBlocksNameTheInstance) {
  auto c = checkText(std::string(kHead) + R"(block b(x) {
  return dense(x, out=3)
}
network n {
  input x: f32[N, 1, 4, 4]
  output y = b(x)
}
)");
  ASSERT_TRUE(c.has("E0060"));
  const Diagnostic &d = c.fe->diags().diagnostics()[0];
  ASSERT_FALSE(d.notes.empty());
  EXPECT_NE(d.notes[0].message.find("in block 'b' instantiated here"), std::string::npos);
}

TEST(Sema, RecursionIsRefused) {
  auto c = checkText(std::string(kHead) + R"(block a(x) {
  return b(x)
}
block b(x) {
  return a(x)
}
network n {
  input x: f32[N, 4]
  output y = a(x)
}
)");
  EXPECT_TRUE(c.has("E0070"));
  EXPECT_EQ(c.errors(), 1u);
}

TEST(Sema, ExponentialExpansionStops) {
  std::string s = std::string(kHead) + "block b0(x) {\n  return relu(x)\n}\n";
  for (int i = 1; i <= 30; ++i)
    s += "block b" + std::to_string(i) + "(x) {\n  return add(b" + std::to_string(i - 1) + "(x), b" +
         std::to_string(i - 1) + "(x))\n}\n";
  s += "network n {\n  input x: f32[N, 4]\n  output y = b30(x)\n}\n";
  auto c = checkText(s);
  EXPECT_TRUE(c.has("E0072"));
}

TEST(Sema, CompileTimeArithmetic) {
  auto ok = checkText(std::string(kHead) + R"(network n {
  input x: f32[N, 4]
  a = dense(x, out=64 / 2)
  output y = a * 0.5 / 2 + -a
}
)");
  ASSERT_EQ(ok.errors(), 0u) << ok.firstMessage();
  EXPECT_EQ(ok.node("a")->type.str(), "f32[N, 32]");
  EXPECT_EQ(ok.node("y")->op, "add");
  auto overflow = checkText(std::string(kHead) + R"(network n {
  input x: f32[N, 4]
  output y = dense(x, out=9223372036854775807 + 1)
}
)");
  EXPECT_TRUE(overflow.has("E0055"));
  auto zero = checkText(std::string(kHead) + R"(network n {
  input x: f32[N, 4]
  output y = x / 0
}
)");
  EXPECT_TRUE(zero.has("E0057"));
  auto inexact = checkText(std::string(kHead) + R"(network n {
  input x: f32[N, 4]
  output y = dense(x, out=7 / 2)
}
)");
  EXPECT_TRUE(inexact.has("E0054"));
  auto mixed = checkText(std::string(kHead) + R"(network n {
  input x: f32[N, 4]
  output y = x + 1
}
)");
  EXPECT_TRUE(mixed.has("E0056"));
}

TEST(Sema, SolverChecks) {
  auto ok = checkText(std::string(kHead) + R"(network n {
  input x: f32[N, 4]
  input label: i32[N]
  output loss = softmax_cross_entropy(dense(x, out=3), label)
}
solver {
  method = sgd(momentum=0.9)
  lr = 0.01 * inv(gamma=1e-4, power=0.75)
  weight_decay = 5e-4
  batch = 64
}
)");
  ASSERT_EQ(ok.errors(), 0u) << ok.firstMessage();
  EXPECT_EQ(ok.program.solver.batch, 64);
  EXPECT_EQ(ok.program.solver.method.str_(), "sgd(momentum=0.9, nesterov=false)");
  EXPECT_EQ(ok.program.solver.lr.str_(), "0.01 * inv(gamma=0.0001, power=0.75)");

  auto notScalar = checkText(std::string(kHead) + R"(network n {
  input x: f32[N, 4]
  output loss = dense(x, out=3)
}
solver {
  method = adam()
  lr = 0.001
}
)");
  EXPECT_TRUE(notScalar.has("E0081"));

  auto noParams = checkText(std::string(kHead) + R"(network n {
  input x: f32[N, 4]
  input label: i32[N]
  output loss = softmax_cross_entropy(x, label)
}
solver {
  method = sgd()
  lr = 0.1
}
)");
  EXPECT_TRUE(noParams.has("E0082"));

  auto unknown = checkText(std::string(kHead) + R"(network n {
  input x: f32[N, 4]
  input label: i32[N]
  output loss = softmax_cross_entropy(dense(x, out=2), label)
}
solver {
  method = sgdd()
  lr = 0.1 * stepp(gamma=0.1, step=10)
  momentum = 0.9
}
)");
  EXPECT_TRUE(unknown.has("E0044"));
  EXPECT_TRUE(unknown.has("E0080"));
}

TEST(Sema, DataSection) {
  auto c = checkText(std::string(kHead) + R"(network n {
  input x: f32[N, 1, 28, 28]
  input label: i32[N]
  output loss = softmax_cross_entropy(x | flatten | dense(out=10), label)
}
solver {
  method = sgd()
  lr = 0.1
}
data {
  train = idx("a.gz", "b.gz") | scale(1 / 255) | shuffle | random_crop(28, pad=2) | mirror
  test = idx("c.gz", "d.gz") | normalize(mean=0.5, std=0.25)
}
)");
  ASSERT_EQ(c.errors(), 0u) << c.firstMessage();
  EXPECT_EQ(c.program.data.train.elems.size(), 5u);
  EXPECT_EQ(c.program.data.train.elems[2].str, "shuffle");
  auto bad = checkText(std::string(kHead) + R"(network n {
  input x: f32[N, 4]
  input label: i32[N]
  output loss = softmax_cross_entropy(dense(x, out=2), label)
}
data {
  train = shuffle | idx("a", "b")
}
)");
  EXPECT_TRUE(bad.has("E0083"));
}

TEST(Sema, RecursionIsRefusedWithoutInstances) {
  // SPEC 7: whether or not a network instantiates the block; each cycle once.
  auto c = checkText(std::string(kHead) + R"(block self(x) {
  return add(self(x), self(x))
}
block a(x) {
  return b(x)
}
block b(x) {
  return x | a
}
network n {
  input x: f32[N, 4]
  output y = relu(x)
}
)");
  EXPECT_EQ(c.errors(), 2u);
  for (const Diagnostic &d : c.fe->diags().diagnostics()) EXPECT_EQ(d.kind, Diag::RecursiveBlock);
}

TEST(Sema, AttributeRangeErrorsAreArgumentErrors) {
  // An argument out of range is E0055 at the argument; shapes stay E0060.
  auto c = checkText(std::string(kHead) + R"(network n {
  input x: f32[N, 3, 8, 8]
  output a = dropout(x, rate=1.5)
  output b = conv2d(x, out=4, kernel=3, groups=2)
}
)");
  ASSERT_EQ(c.errors(), 2u);
  const auto &ds = c.fe->diags().diagnostics();
  const SourceFile &f = c.fe->sources().file(ds[0].range.file);
  EXPECT_EQ(ds[0].kind, Diag::InvalidValue);
  EXPECT_EQ(f.text().substr(ds[0].range.begin, ds[0].range.end - ds[0].range.begin), "1.5");
  EXPECT_EQ(ds[1].kind, Diag::ShapeError); // input channels (3) are not divisible by groups (2)
}

TEST(Sema, ValuesThatCannotBeBound) {
  auto init = checkText(std::string(kHead) + R"(network n {
  input x: f32[N, 4]
  w = xavier()
  output y = dense(x, out=2, weight_init=w)
}
)");
  EXPECT_EQ(init.errors(), 1u);
  EXPECT_TRUE(init.has("E0054"));
  auto underscore = checkText(std::string(kHead) + R"(network n {
  input x: f32[N, 4]
  _ = relu(x)
  output y = repeat 2 as _ with h = x {
    return relu(h)
  }
}
)");
  EXPECT_EQ(underscore.errors(), 2u);
  EXPECT_TRUE(underscore.has("E0041"));
}

TEST(Sema, InputsShareOneBatchName) {
  auto c = checkText(std::string(kHead) + R"(network n {
  input x: f32[N, 4]
  input label: i32[B]
  output loss = softmax_cross_entropy(x, label)
}
)");
  EXPECT_EQ(c.errors(), 1u);
  EXPECT_TRUE(c.has("E0055"));
  EXPECT_FALSE(c.has("E0060"));
}

TEST(Sema, TopLevelNamesAndAttributes) {
  auto op = checkText(std::string(kHead) + "block relu(x) {\n  return tanh(x)\n}\n"
                      "network n {\n  input x: f32[N, 4]\n  output y = relu(x)\n}\n");
  EXPECT_EQ(op.errors(), 1u);
  EXPECT_TRUE(op.has("E0042"));
  auto twice = checkText(std::string(kHead) + "@fine @fine\nnetwork n {\n  input x: f32[N, 4]\n"
                         "  @coarse @coarse\n  output y = relu(x)\n}\n");
  EXPECT_EQ(twice.errors(), 2u);
  EXPECT_TRUE(twice.has("E0027"));
  auto network = checkText(std::string(kHead) + "network m {\n  input x: f32[N, 4]\n  output y = relu(x)\n}\n"
                           "network n {\n  input x: f32[N, 4]\n  output y = x | m\n}\n");
  EXPECT_EQ(network.errors(), 1u);
  EXPECT_TRUE(network.has("E0043"));
}

TEST(Sema, ImportClashesAreReportedInTheImportingFile) {
  nnc::test::TempDir dir;
  dir.write("a.nn", "nn 1\nblock twin(x) {\n  return relu(x)\n}\n");
  dir.write("b.nn", "nn 1\nblock twin(x) {\n  return tanh(x)\n}\nblock helper(x) {\n  return x\n}\n");
  auto c = nnc::test::checkFile(dir.write("main.nn", std::string(kHead) +
      "import \"a.nn\"\nimport \"b.nn\"\nblock helper(x) {\n  return x\n}\n"
      "network n {\n  input x: f32[N, 4]\n  output y = twin(helper(x))\n}\n"));
  ASSERT_EQ(c.errors(), 2u);
  for (const Diagnostic &d : c.fe->diags().diagnostics()) {
    EXPECT_EQ(d.kind, Diag::DuplicateDefinition);
    EXPECT_NE(c.fe->sources().file(d.range.file).path().find("main.nn"), std::string::npos);
    EXPECT_GE(d.notes.size(), 2u);
  }
}

TEST(Sema, CascadesAreNotReported) {
  // A duplicate parameter is not a missing argument at calls; a use before
  // the binding does not make the binding unused; a statement after return
  // is not a missing return.
  auto c = checkText(std::string(kHead) + R"(block b(x, k: int, k: int) {
  return relu(x)
  z = relu(x)
}
network n {
  input x: f32[N, 4]
  output y = b(relu(c), 1)
  c = relu(x)
}
)");
  EXPECT_TRUE(c.has("E0041"));
  EXPECT_TRUE(c.has("E0045"));
  EXPECT_TRUE(c.has("E0025"));
  EXPECT_FALSE(c.has("E0051"));
  EXPECT_FALSE(c.has("E0071"));
  EXPECT_EQ(c.errors(), 3u);
  EXPECT_EQ(c.warnings(), 0u);
}

TEST(Sema, SolverAndDataChecks) {
  const char *net = R"(network n {
  input x: f32[N, 4]
  input label: i32[N]
  output loss = softmax_cross_entropy(dense(x, out=3), label)
  output acc = accuracy(dense(x, out=3), label)
}
)";
  auto lr = checkText(std::string(kHead) + net + "solver {\n  method = sgd()\n  lr = 0.1 * step(gamma=0.1, step=100) * 0.5\n}\n");
  EXPECT_EQ(lr.errors(), 0u) << lr.firstMessage();
  auto acc = checkText(std::string(kHead) + net + "solver {\n  method = sgd()\n  lr = 0.1\n  minimize = acc\n}\n");
  EXPECT_EQ(acc.errors(), 1u);
  EXPECT_TRUE(acc.has("E0081"));
  auto bare = checkText(std::string(kHead) + net + "solver {\n  method = adam\n  lr = 0.1 * fixed\n}\n");
  EXPECT_EQ(bare.errors(), 2u);
  EXPECT_TRUE(bare.has("E0083"));
  EXPECT_FALSE(bare.has("E0040"));
  auto dropped = checkText(std::string(kHead) + net + "solver {\n  method = [sgd()]\n  lr = 0.1\n  batch = -adam()\n}\n");
  EXPECT_EQ(dropped.errors(), 2u);
}

/// W0003 follows the gradient back from the minimized output, whichever it is.
TEST(Sema, ParametersWithoutGradientAreWarnings) {
  const char *net = R"(network n {
  input x: f32[N, 4]
  input label: i32[N]
  h = relu(dense(x, out=8))
  main = dense(h, out=3)
  aux = dense(x, out=3)
  output loss = softmax_cross_entropy(main, label)
  output aux_loss = softmax_cross_entropy(aux, label)
}
)";
  auto all = checkText(std::string(kHead) + net + "solver {\n  method = sgd()\n  lr = 0.1\n}\n");
  EXPECT_EQ(all.errors(), 0u) << all.firstMessage();
  EXPECT_EQ(all.warnings(), 2u); // aux.weight, aux.bias
  std::vector<std::string> named;
  for (const Diagnostic &d : all.fe->diags().diagnostics())
    if (std::string(diagCode(d.kind)) == "W0003") named.push_back(d.message);
  EXPECT_EQ(named, (std::vector<std::string>{"parameter 'aux.weight' receives no gradient from the loss",
                                             "parameter 'aux.bias' receives no gradient from the loss"}));
  auto other = checkText(std::string(kHead) + net + "solver {\n  method = sgd()\n  lr = 0.1\n  minimize = aux_loss\n}\n");
  EXPECT_EQ(other.errors(), 0u) << other.firstMessage();
  EXPECT_EQ(other.warnings(), 4u); // h.* and main.*
  EXPECT_TRUE(other.has("W0003"));
  // Without a solver nothing is minimized, and nothing is reported.
  auto none = checkText(std::string(kHead) + net);
  EXPECT_EQ(none.errors() + none.warnings(), 0u) << none.firstMessage();
}

} // namespace
