//===- Idx.cpp - Reading IDX data files -----------------------------------===//
//
// zlib's gzread reads gzip and raw files alike; the gzip magic is checked
// only to say which kind a bad file was. Data is read in chunks, so a header
// that lies about its size costs no more memory than the file really holds.
//
//===----------------------------------------------------------------------===//
#include "runtime/Idx.h"

#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>

namespace nnc {
namespace {

constexpr uint32_t kImagesMagic = 0x00000803, kLabelsMagic = 0x00000801;

std::string hex(uint32_t v, int digits) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "0x%0*x", digits, v);
  return buf;
}
std::string hex32(uint32_t v) { return hex(v, 8); }

class IdxFile {
public:
  explicit IdxFile(const std::string &path) : path_(path) {}
  ~IdxFile() {
    if (gz_)
      gzclose(gz_);
  }

  bool open(std::string &error) {
    FILE *f = std::fopen(path_.c_str(), "rb");
    if (!f) {
      error = "cannot open '" + path_ + "': " + std::strerror(errno);
      return false;
    }
    unsigned char magic[2] = {0, 0};
    gzip_ = std::fread(magic, 1, 2, f) == 2 && magic[0] == 0x1f && magic[1] == 0x8b;
    std::fclose(f);
    gz_ = gzopen(path_.c_str(), "rb");
    if (!gz_) {
      error = "cannot open '" + path_ + "': " + std::strerror(errno);
      return false;
    }
    return true;
  }

  /// Reads up to n bytes; stops early only at the end or on a gzip error
  /// (then streamError() says which).
  int64_t read(void *buf, int64_t n) {
    int64_t got = 0;
    while (got < n) {
      unsigned want = unsigned(std::min<int64_t>(n - got, 1 << 30));
      int r = gzread(gz_, static_cast<char *>(buf) + got, want);
      if (r <= 0)
        break;
      got += r;
    }
    return got;
  }

  /// Reads n bytes into `out`, growing it chunk by chunk.
  int64_t readInto(std::vector<uint8_t> &out, int64_t n) {
    constexpr int64_t kChunk = int64_t(1) << 24;
    out.clear();
    int64_t got = 0;
    while (got < n) {
      int64_t want = std::min(kChunk, n - got);
      out.resize(size_t(got + want));
      int64_t r = read(out.data() + got, want);
      got += r;
      if (r < want)
        break;
    }
    out.resize(size_t(got));
    return got;
  }

  /// The gzip layer's complaint, if any (empty for raw files and clean ends).
  /// `corrupt` tells bad data from a stream that merely ends early.
  std::string streamError(bool *corrupt = nullptr) {
    int code = Z_OK;
    const char *msg = gzerror(gz_, &code);
    if (corrupt)
      *corrupt = code != Z_OK && code != Z_STREAM_END && code != Z_BUF_ERROR;
    if (code == Z_OK || code == Z_STREAM_END)
      return {};
    if (code == Z_BUF_ERROR)
      return "the gzip stream ends early (unexpected end of file)";
    if (code == Z_ERRNO)
      return std::string("a read error (") + std::strerror(errno) + ")";
    std::string m = msg ? msg : "unknown zlib error";
    if (m.rfind(path_ + ": ", 0) == 0) // zlib prefixes the path
      m = m.substr(path_.size() + 2);
    return "corrupt gzip data (" + m + ")";
  }

  /// The message for a read that stopped `got` bytes short of `want`.
  std::string shortRead(const std::string &problem, int64_t want, int64_t got, const char *of) {
    bool corrupt = false;
    std::string why = streamError(&corrupt);
    if (corrupt)
      return what() + " has " + why;
    return what() + problem + ": expected " + std::to_string(want) + " bytes" + of + ", got " +
           std::to_string(got) + (why.empty() ? "" : "; " + why);
  }

  /// "'path'" plus what the bytes turned out to be, for error messages.
  std::string what() const { return "'" + path_ + "'" + (gzip_ ? " (gzip)" : ""); }
  bool gzip() const { return gzip_; }

  bool readHeader(uint32_t *words, int n, std::string &error) {
    unsigned char bytes[16];
    int64_t got = read(bytes, 4 * n);
    if (got < 4 * n) {
      error = shortRead(" is too short for an IDX header", 4 * n, got, "");
      return false;
    }
    for (int i = 0; i < n; ++i) // IDX is big-endian
      words[i] = uint32_t(bytes[4 * i]) << 24 | uint32_t(bytes[4 * i + 1]) << 16 |
                 uint32_t(bytes[4 * i + 2]) << 8 | bytes[4 * i + 3];
    return true;
  }

  bool checkMagic(uint32_t found, uint32_t want, std::string &error) {
    if (found == want)
      return true;
    const char *wantKind = want == kImagesMagic ? "images" : "labels";
    if (found == kImagesMagic || found == kLabelsMagic)
      error = what() + " holds IDX " + (found == kImagesMagic ? "images" : "labels") +
              " (magic " + hex32(found) + "), expected " + wantKind + " (" + hex32(want) + ")";
    else if ((found >> 16) == 0 && (found >> 8 & 0xff) != 0x08)
      error = what() + " is an IDX file of element type " + hex(found >> 8 & 0xff, 2) +
              ", only unsigned bytes (0x08) are supported (magic " + hex32(found) + ")";
    else if ((found >> 8) == 0x08)
      error = what() + " is an IDX file of " + std::to_string(found & 0xff) +
              " dimensions (magic " + hex32(found) + "), expected " + wantKind + " (" +
              hex32(want) + ")";
    else
      error = what() + " is not an IDX " + wantKind + " file" +
              (gzip_ ? "" : " (nor gzip-compressed)") + ": bad magic " + hex32(found) +
              ", expected " + hex32(want);
    return false;
  }

  /// Reads `n` payload bytes and checks that nothing follows them.
  bool readPayload(std::vector<uint8_t> &out, int64_t n, const char *what_, std::string &error) {
    int64_t got = readInto(out, n);
    if (got < n) {
      error = shortRead(" is truncated", n, got, (std::string(" of ") + what_).c_str());
      return false;
    }
    unsigned char extra[4096];
    int64_t trailing = 0, r;
    while ((r = read(extra, sizeof extra)) > 0 && trailing < (int64_t(1) << 20))
      trailing += r;
    if (trailing > 0) {
      error = what() + " has trailing garbage: " + std::to_string(trailing) +
              (trailing >= (int64_t(1) << 20) ? " or more" : "") + " bytes after the " +
              std::to_string(n) + " bytes of " + what_;
      return false;
    }
    std::string why = streamError();
    if (!why.empty()) {
      error = what() + " has " + why;
      return false;
    }
    return true;
  }

private:
  std::string path_;
  gzFile gz_ = nullptr;
  bool gzip_ = false;
};

} // namespace

bool readIdxImages(const std::string &path, IdxImages &out, std::string &error) {
  out = IdxImages();
  IdxFile f(path);
  uint32_t h[4];
  if (!f.open(error) || !f.readHeader(h, 1, error) || !f.checkMagic(h[0], kImagesMagic, error) ||
      !f.readHeader(h + 1, 3, error))
    return false;
  int64_t count = h[1], rows = h[2], cols = h[3];
  if (count < 1 || count > kIdxMaxCount || rows < 1 || rows > kIdxMaxSide || cols < 1 ||
      cols > kIdxMaxSide || count * rows * cols > kIdxMaxBytes) {
    error = f.what() + " has absurd dimensions " + std::to_string(count) + " x " +
            std::to_string(rows) + " x " + std::to_string(cols) + " (images 1 to " +
            std::to_string(kIdxMaxCount) + ", sides 1 to " + std::to_string(kIdxMaxSide) +
            ", at most " + std::to_string(kIdxMaxBytes) + " bytes)";
    return false;
  }
  if (!f.readPayload(out.pixels, count * rows * cols, "pixels", error)) {
    out.pixels.clear();
    return false;
  }
  out.count = count;
  out.rows = rows;
  out.cols = cols;
  return true;
}

bool readIdxLabels(const std::string &path, IdxLabels &out, std::string &error) {
  out = IdxLabels();
  IdxFile f(path);
  uint32_t h[2];
  if (!f.open(error) || !f.readHeader(h, 1, error) || !f.checkMagic(h[0], kLabelsMagic, error) ||
      !f.readHeader(h + 1, 1, error))
    return false;
  int64_t count = h[1];
  if (count < 1 || count > kIdxMaxCount) {
    error = f.what() + " has an absurd label count " + std::to_string(count) + " (1 to " +
            std::to_string(kIdxMaxCount) + ")";
    return false;
  }
  if (!f.readPayload(out.labels, count, "labels", error)) {
    out.labels.clear();
    return false;
  }
  out.count = count;
  return true;
}

bool readIdxDataset(const std::string &imagesPath, const std::string &labelsPath,
                    IdxImages &images, IdxLabels &labels, std::string &error) {
  if (!readIdxImages(imagesPath, images, error) || !readIdxLabels(labelsPath, labels, error))
    return false;
  if (images.count != labels.count) {
    error = "label count " + std::to_string(labels.count) + " in '" + labelsPath +
            "' does not match image count " + std::to_string(images.count) + " in '" +
            imagesPath + "'";
    return false;
  }
  return true;
}

} // namespace nnc
