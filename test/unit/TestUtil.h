//===- TestUtil.h - Helpers for front-end unit tests -----------------------===//
#pragma once

#include "frontend/Frontend.h"

#include <fstream>
#include <memory>
#include <string>
#include <unistd.h>

namespace nnc::test {

/// A scratch directory removed at the end of the test.
class TempDir {
public:
  TempDir() {
    char tmpl[] = "/tmp/nnc-test-XXXXXX";
    path_ = ::mkdtemp(tmpl);
  }
  ~TempDir() { std::system(("rm -rf '" + path_ + "'").c_str()); }
  const std::string &path() const { return path_; }
  std::string write(const std::string &name, const std::string &text) const {
    std::string p = path_ + "/" + name;
    std::ofstream(p, std::ios::binary) << text;
    return p;
  }

private:
  std::string path_;
};

inline std::string stdlibDir() { return std::string(NNC_SOURCE_DIR) + "/stdlib"; }

/// Checks `text` as a file named `name`; the Frontend keeps the diagnostics.
struct Checked {
  std::unique_ptr<Frontend> fe;
  Program program;
  unsigned errors() const { return fe->diags().errorCount(); }
  unsigned warnings() const { return fe->diags().warningCount(); }
  /// True if some diagnostic has this code.
  bool has(const char *code) const {
    for (const Diagnostic &d : fe->diags().diagnostics())
      if (std::string(diagCode(d.kind)) == code) return true;
    return false;
  }
  std::string firstMessage() const {
    auto &ds = fe->diags().diagnostics();
    return ds.empty() ? "" : ds.front().message;
  }
  const Graph &net(size_t i = 0) const { return program.networks.at(i); }
  const Node *node(const std::string &name, size_t net = 0) const {
    for (const Node &n : program.networks.at(net).nodes)
      if (n.name == name) return &n;
    return nullptr;
  }
};

inline Checked checkFile(const std::string &path) {
  Checked c;
  c.fe = std::make_unique<Frontend>(FrontendOptions{stdlibDir()});
  c.program = c.fe->check(path);
  return c;
}

inline Checked checkText(const std::string &text, const TempDir &dir = TempDir()) {
  return checkFile(dir.write("t.nn", text));
}

} // namespace nnc::test
