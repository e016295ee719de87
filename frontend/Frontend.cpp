#include "frontend/Frontend.h"

#include "frontend/Builtins.h"
#include "frontend/Parser.h"

#include <climits>
#include <cstdlib>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

namespace nnc {

Frontend::Frontend(FrontendOptions options) : options_(std::move(options)), diags_(sm_) {}

static std::string canonical(const std::string &path) {
  char buf[PATH_MAX];
  if (::realpath(path.c_str(), buf)) return buf;
  return path;
}

static bool isFile(const std::string &path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

static std::string dirOf(const std::string &path) {
  size_t slash = path.rfind('/');
  return slash == std::string::npos ? "." : path.substr(0, slash == 0 ? 1 : slash);
}

std::string Frontend::resolveImport(const ast::ImportDecl &imp, const std::string &fromPath,
                                    std::vector<std::string> &tried) const {
  std::string dir = dirOf(fromPath);
  std::vector<std::string> candidates;
  if (imp.isPath) {
    candidates.push_back(!imp.target.empty() && imp.target[0] == '/' ? imp.target
                                                                      : dir + "/" + imp.target);
  } else {
    std::string rel = imp.target;
    for (char &c : rel)
      if (c == '.') c = '/';
    rel += ".nn";
    // A module path names a file of the standard library only; a file next to
    // the importing one is imported by a string (SPEC 6).
    candidates.push_back(options_.stdlibDir + "/" + rel);
  }
  for (const std::string &c : candidates) {
    tried.push_back(c);
    if (isFile(c)) return canonical(c);
  }
  return "";
}

/// A path as diagnostics show it: relative to the working directory when inside it.
static std::string displayPath(const std::string &path) {
  char buf[PATH_MAX];
  if (path.empty() || path[0] != '/' || !::getcwd(buf, sizeof buf)) return path;
  std::string cwd = buf;
  if (path.size() > cwd.size() + 1 && path.compare(0, cwd.size(), cwd) == 0 && path[cwd.size()] == '/')
    return path.substr(cwd.size() + 1);
  return path;
}

const LoadedModule *Frontend::load(const std::string &path, SourceRange importedFrom) {
  std::string key = canonical(path);
  if (auto it = modules_.find(key); it != modules_.end()) return it->second.get();

  std::string error;
  uint32_t id = sm_.load(importedFrom.valid() ? displayPath(path) : path, error);
  if (!id) {
    diags_.report(importedFrom.valid() ? Diag::ImportNotFound : Diag::UnreadableFile,
                  importedFrom, error);
    return nullptr;
  }
  auto mod = std::make_unique<LoadedModule>();
  mod->path = key;
  mod->ast = parseFile(sm_.file(id), diags_);
  LoadedModule *m = mod.get();
  modules_[key] = std::move(mod);

  loading_.push_back({key, importedFrom});
  for (const ast::DeclPtr &d : m->ast->decls) {
    const auto *imp = ast::dyn<ast::ImportDecl>(d.get());
    if (!imp) continue;
    std::vector<std::string> tried;
    std::string target = resolveImport(*imp, key, tried);
    if (target.empty()) {
      Diagnostic &diag = diags_.report(Diag::ImportNotFound, imp->targetRange,
                                       fmt::format("cannot find module '{}'", imp->target));
      for (const std::string &t : tried) diag.notes.push_back({{}, "looked for " + t});
      continue;
    }
    bool cycle = false;
    for (size_t k = 0; k < loading_.size(); ++k) {
      if (loading_[k].first != target) continue;
      Diagnostic &diag = diags_.report(
          Diag::ImportCycle, imp->targetRange,
          fmt::format("import cycle: '{}' imports '{}', which is already being imported",
                      displayPath(key), displayPath(target)));
      for (size_t j = k + 1; j < loading_.size(); ++j)
        diag.notes.push_back({loading_[j].second, fmt::format("'{}' is imported here", displayPath(loading_[j].first))});
      cycle = true;
      break;
    }
    if (cycle) continue;
    if (const LoadedModule *dep = load(target, imp->targetRange)) {
      m->imports.push_back(dep);
      m->importRanges.push_back(imp->targetRange);
    }
  }
  loading_.pop_back();
  return m;
}

ModuleScope Frontend::scopeOf(const LoadedModule &m) {
  // Every clash is reported in `m`, the file that makes it: at the second of
  // two local definitions, at a local definition that an import also makes,
  // or at the second of two imports that define one name (SPEC 5, 6).
  ModuleScope scope;
  std::map<std::string, int> origin; // block name -> -1 (local) or the import's index
  for (const ast::DeclPtr &d : m.ast->decls) {
    if (const auto *b = ast::dyn<ast::BlockDecl>(d.get())) {
      auto [it, inserted] = scope.blocks.emplace(b->name, b);
      if (!inserted) {
        Diagnostic &diag = diags_.report(Diag::DuplicateDefinition, b->nameRange,
                                         fmt::format("block '{}' is defined twice", b->name));
        diag.notes.push_back({it->second->nameRange, "first definition is here"});
        continue;
      }
      origin[b->name] = -1;
      if (findBuiltin(b->name, {BuiltinKind::Op}))
        diags_.report(Diag::DuplicateDefinition, b->nameRange,
                      fmt::format("block '{}' has the name of an op; an op cannot be redefined, "
                                  "so rename the block", b->name));
    } else if (const auto *n = ast::dyn<ast::NetworkDecl>(d.get())) {
      auto [it, inserted] = scope.networks.emplace(n->name, n);
      if (!inserted) {
        Diagnostic &diag = diags_.report(Diag::DuplicateDefinition, n->nameRange,
                                         fmt::format("network '{}' is defined twice", n->name));
        diag.notes.push_back({it->second->nameRange, "first definition is here"});
      }
    }
  }
  // A block and a network with one name: reported at the later of the two.
  for (auto &[name, n] : scope.networks) {
    auto it = scope.blocks.find(name);
    if (it == scope.blocks.end()) continue;
    SourceRange first = it->second->nameRange, second = n->nameRange;
    if (second.begin < first.begin) std::swap(first, second);
    Diagnostic &diag = diags_.report(Diag::DuplicateDefinition, second,
                                     fmt::format("'{}' is defined twice, as a block and as a network", name));
    diag.notes.push_back({first, "first definition is here"});
  }
  for (size_t k = 0; k < m.imports.size(); ++k) {
    SourceRange importedAt = k < m.importRanges.size() ? m.importRanges[k] : SourceRange{};
    for (const ast::DeclPtr &d : m.imports[k]->ast->decls) {
      const auto *b = ast::dyn<ast::BlockDecl>(d.get());
      if (!b) continue;
      auto [it, inserted] = scope.blocks.emplace(b->name, b);
      if (inserted) {
        origin[b->name] = (int)k;
        continue;
      }
      int first = origin[b->name];
      // The same file imported twice, or a clash inside the imported file
      // (reported there), is not a clash of this file.
      if (it->second == b || first == (int)k ||
          (first >= 0 && m.imports[first] == m.imports[k]))
        continue;
      if (first < 0) {
        Diagnostic &diag = diags_.report(
            Diag::DuplicateDefinition, it->second->nameRange,
            fmt::format("block '{}' is defined here and by an import", b->name));
        diag.notes.push_back({b->nameRange, "the imported definition is here"});
        if (importedAt.valid()) diag.notes.push_back({importedAt, "imported here"});
      } else {
        Diagnostic &diag = diags_.report(
            Diag::DuplicateDefinition, importedAt,
            fmt::format("block '{}' is defined by two imports", b->name));
        diag.notes.push_back({it->second->nameRange, "one definition is here"});
        diag.notes.push_back({b->nameRange, "the other definition is here"});
      }
    }
  }
  return scope;
}

Program Frontend::check(const std::string &path) {
  const LoadedModule *root = load(path, {});
  if (!root) return {};
  if (diags_.errorCount()) return {};
  // Imported files are resolved too (their errors point into them); only the
  // root file's networks are elaborated.
  for (auto &[key, mod] : modules_) {
    if (mod.get() == root) continue;
    resolveNames(*mod->ast, scopeOf(*mod), diags_);
  }
  // Semantic errors after syntax errors would mostly be echoes of them.
  if (diags_.errorCount()) return {};
  ModuleScope scope = scopeOf(*root);
  resolveNames(*root->ast, scope, diags_);
  if (diags_.errorCount()) return {}; // elaboration assumes resolved names
  return elaborate(*root->ast, scope, diags_);
}

const LoadedModule *Frontend::parseOnly(const std::string &path) {
  std::string error;
  uint32_t id = sm_.load(path, error);
  if (!id) {
    diags_.report(Diag::UnreadableFile, {}, error);
    return nullptr;
  }
  auto mod = std::make_unique<LoadedModule>();
  mod->path = canonical(path);
  mod->ast = parseFile(sm_.file(id), diags_);
  LoadedModule *m = mod.get();
  modules_[mod->path + "#" + std::to_string(id)] = std::move(mod);
  return m;
}

} // namespace nnc
