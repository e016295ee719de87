// Hostile input: every case must end in diagnostics, never a crash, a hang or
// an assertion. This file also runs under ASan/UBSan (ctest label "asan"),
// which turns any memory error into a failure.
#include "TestUtil.h"

#include "frontend/Formatter.h"
#include "frontend/Parser.h"

#include <fstream>
#include <gtest/gtest.h>
#include <sstream>

using namespace nnc;
using test::checkFile;
using test::TempDir;

namespace {

TEST(BadInput, EachCaseGetsItsCode) {
  TempDir dir;
  std::string deep = "nn 1\nnetwork n {\n  input x: f32[N, 4]\n  output y = ";
  for (int i = 0; i < 10000; ++i) deep += "relu(";
  deep += "x";
  for (int i = 0; i < 10000; ++i) deep += ")";
  deep += "\n}\n";
  std::string garbage;
  uint64_t s = 42;
  for (int i = 0; i < 4096; ++i) {
    s = s * 6364136223846793005ULL + 1442695040888963407ULL;
    garbage += (char)(s >> 56);
  }
  struct Case {
    const char *name;
    std::string text;
    const char *code;
  } cases[] = {
      {"empty", "", "E0010"},
      {"garbage", garbage, "E0002"},
      {"invalid-utf8", "nn 1\n# caf\xE9\n", "E0001"},
      {"deep", deep, "E0022"},
      {"string", "nn 1\nnetwork n {\n  x = \"abc\n}\n", "E0004"},
      {"comment", "nn 1\n/* no end\nnetwork n {\n}\n", "E0005"},
      {"no-version", "network n {\n  input x: f32[N, 4]\n  output y = relu(x)\n}\n", "E0010"},
      {"version-2", "nn 2\n", "E0011"},
      {"self-call", "nn 1\nblock f(x) {\n  return f(x)\n}\nnetwork n {\n  input x: f32[N, 4]\n  output y = f(x)\n}\n", "E0070"},
  };
  for (const Case &c : cases) {
    auto r = checkFile(dir.write(std::string(c.name) + ".nn", c.text));
    EXPECT_GE(r.errors(), 1u) << c.name;
    EXPECT_TRUE(r.has(c.code)) << c.name << ": " << r.firstMessage();
  }
}

TEST(BadInput, ImportCycles) {
  TempDir dir;
  dir.write("a.nn", "nn 1\nimport \"b.nn\"\n");
  dir.write("b.nn", "nn 1\nimport \"c.nn\"\n");
  dir.write("c.nn", "nn 1\nimport \"a.nn\"\n");
  auto r = checkFile(dir.path() + "/a.nn");
  EXPECT_TRUE(r.has("E0031"));
  EXPECT_EQ(r.errors(), 1u);
  auto self = checkFile(dir.write("self.nn", "nn 1\nimport \"self.nn\"\n"));
  EXPECT_TRUE(self.has("E0031"));
  auto missing = checkFile(dir.write("m.nn", "nn 1\nimport std.nothing\n"));
  EXPECT_TRUE(missing.has("E0030"));
  // A module path names the standard library only, never a file next to
  // the importing one (SPEC 6).
  dir.write("local.nn", "nn 1\nblock f(x) {\n  return x\n}\n");
  auto local = checkFile(dir.write("l.nn", "nn 1\nimport local\n"));
  EXPECT_TRUE(local.has("E0030"));
  // A file named to check that cannot be read is E0008, not an import error.
  auto unreadable = checkFile(dir.path() + "/nothing-here.nn");
  EXPECT_TRUE(unreadable.has("E0008"));
  EXPECT_FALSE(unreadable.has("E0030"));
  EXPECT_TRUE(checkFile(dir.path()).has("E0008"));
}

TEST(BadInput, TenMegabytesChecksQuickly) {
  TempDir dir;
  std::string big = "nn 1\nnetwork n {\n  input x: f32[N, 4]\n";
  int i = 0;
  while (big.size() < 10u << 20) big += "  b" + std::to_string(i) + " = relu(" + (i ? "b" + std::to_string(i - 1) : std::string("x")) + ")  # a comment to fill the line\n", ++i;
  big += "  output y = b" + std::to_string(i - 1) + "\n}\n";
  auto r = checkFile(dir.write("big.nn", big));
  EXPECT_EQ(r.errors(), 0u) << r.firstMessage();
  EXPECT_EQ(r.net().nodes.size(), (size_t)i + 1);
}

// Deterministic mutations of the example files: the front end must diagnose
// or accept each mutant; a mutant that parses must format to text that
// parses again and formats to itself.
uint64_t next(uint64_t &s) {
  s += 0x9E3779B97F4A7C15ULL;
  uint64_t z = s;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

std::string mutate(std::string text, uint64_t &s) {
  static const char *pieces[] = {"(", ")", "[", "]", "{", "}", ",", "=", "|", "@fine", "\n", "#", "/*",
                                 "\"", "repeat 2 with h = x {\n", "return", "0", "-1", "1e9", "x",
                                 "relu(", "block", "network", "\xC3\xA9", "output", "input"};
  int edits = 1 + next(s) % 3;
  for (int e = 0; e < edits && !text.empty(); ++e) {
    size_t at = next(s) % text.size();
    switch (next(s) % 4) {
    case 0: text.erase(at, 1 + next(s) % 12); break;
    case 1: text.insert(at, pieces[next(s) % (sizeof(pieces) / sizeof(pieces[0]))]); break;
    case 2: text.insert(at, text.substr(next(s) % text.size(), 1 + next(s) % 40)); break;
    case 3: text.resize(at); break;
    }
  }
  return text;
}

std::string readFile(const std::string &path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

TEST(BadInput, MutatedExamplesNeverCrash) {
  TempDir dir;
  dir.write("layers.nn", "nn 1\nblock cr(x, out: int) {\n  return relu(conv2d(x, out=out, kernel=3, pad=1))\n}\n");
  uint64_t seed = 7;
  int parsed = 0;
  for (const char *name : {"lenet.nn", "mlp.nn", "alexnet.nn", "googlenet.nn"}) {
    std::string original = readFile(std::string(NNC_SOURCE_DIR) + "/examples/" + name);
    ASSERT_FALSE(original.empty()) << name;
    for (int i = 0; i < 250; ++i) {
      std::string text = mutate(original, seed);
      std::string path = dir.write("mutant.nn", text);
      auto r = checkFile(path);
      (void)r;

      SourceManager sm;
      DiagnosticEngine diags(sm);
      auto module = parseFile(sm.file(sm.add("m.nn", text)), diags);
      if (diags.errorCount()) continue;
      ++parsed;
      std::string once = formatModule(*module, sm.file(1));
      SourceManager sm2;
      DiagnosticEngine diags2(sm2);
      auto again = parseFile(sm2.file(sm2.add("m.nn", once)), diags2);
      ASSERT_EQ(diags2.errorCount(), 0u) << "formatted mutant does not parse:\n" << once;
      ASSERT_EQ(formatModule(*again, sm2.file(1)), once) << "not idempotent:\n" << once;
    }
  }
  EXPECT_GT(parsed, 0);
}

} // namespace
