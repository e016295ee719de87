#include "frontend/Source.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <sys/stat.h>

namespace nnc {

SourceFile::SourceFile(uint32_t id, std::string path, std::string text)
    : id_(id), path_(std::move(path)), text_(std::move(text)) {
  lineStarts_.push_back(0);
  for (uint32_t i = 0; i < text_.size(); ++i)
    if (text_[i] == '\n')
      lineStarts_.push_back(i + 1);
}

LineCol SourceFile::lineCol(uint32_t offset) const {
  offset = std::min<uint32_t>(offset, text_.size());
  auto it = std::upper_bound(lineStarts_.begin(), lineStarts_.end(), offset);
  uint32_t line = it - lineStarts_.begin();
  return {line, offset - lineStarts_[line - 1] + 1};
}

std::string_view SourceFile::lineText(uint32_t line) const {
  if (line == 0 || line > lineStarts_.size())
    return {};
  uint32_t b = lineStarts_[line - 1];
  uint32_t e = line < lineStarts_.size() ? lineStarts_[line] : text_.size();
  while (e > b && (text_[e - 1] == '\n' || text_[e - 1] == '\r'))
    --e;
  return std::string_view(text_).substr(b, e - b);
}

uint32_t SourceManager::add(std::string path, std::string text) {
  uint32_t id = files_.size() + 1;
  files_.push_back(std::make_unique<SourceFile>(id, std::move(path), std::move(text)));
  return id;
}

uint32_t SourceManager::find(const std::string &path) const {
  for (auto &f : files_)
    if (f->path() == path)
      return f->id();
  return 0;
}

// Files larger than this are refused: a model definition is text a person wrote.
static constexpr size_t kMaxFileBytes = 64u << 20;

uint32_t SourceManager::load(const std::string &path, std::string &error) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) {
    error = std::string("cannot open '") + path + "': " + std::strerror(errno);
    return 0;
  }
  if (S_ISDIR(st.st_mode)) {
    error = "'" + path + "' is a directory, expected a .nn file";
    return 0;
  }
  if ((size_t)st.st_size > kMaxFileBytes) {
    error = "'" + path + "' is " + std::to_string(st.st_size >> 20) +
            " MB; .nn files are limited to 64 MB";
    return 0;
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    error = std::string("cannot open '") + path + "': " + std::strerror(errno);
    return 0;
  }
  std::ostringstream ss;
  ss << in.rdbuf();
  if (in.bad()) {
    error = "cannot read '" + path + "'";
    return 0;
  }
  return add(path, ss.str());
}

} // namespace nnc
