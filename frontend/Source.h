//===- Source.h - Source files and locations -------------------------------===//
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace nnc {

/// A byte range in one source file. Offsets are byte offsets into the text.
struct SourceRange {
  uint32_t file = 0;
  uint32_t begin = 0, end = 0;

  static SourceRange join(SourceRange a, SourceRange b) {
    return {a.file, a.begin, b.end > a.end ? b.end : a.end};
  }
  bool valid() const { return file != 0; }
};

struct LineCol {
  uint32_t line = 0, col = 0; // 1-based; col counts bytes
};

class SourceFile {
public:
  SourceFile(uint32_t id, std::string path, std::string text);
  uint32_t id() const { return id_; }
  const std::string &path() const { return path_; }
  const std::string &text() const { return text_; }
  LineCol lineCol(uint32_t offset) const;
  /// The text of a 1-based line, without its newline.
  std::string_view lineText(uint32_t line) const;

private:
  uint32_t id_;
  std::string path_, text_;
  std::vector<uint32_t> lineStarts_;
};

/// Owns every file read during one compilation. File id 0 means "no file".
class SourceManager {
public:
  /// Registers text under a path; returns the file id.
  uint32_t add(std::string path, std::string text);
  const SourceFile &file(uint32_t id) const { return *files_.at(id - 1); }
  /// Reads a file from disk; returns 0 and sets `error` when it cannot.
  uint32_t load(const std::string &path, std::string &error);
  /// Id of an already loaded file with this canonical path, or 0.
  uint32_t find(const std::string &path) const;

private:
  std::vector<std::unique_ptr<SourceFile>> files_;
};

} // namespace nnc
