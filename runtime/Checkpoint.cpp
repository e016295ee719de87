//===- Checkpoint.cpp - Saved training state --------------------------------===//
#include "runtime/Checkpoint.h"

#include <zlib.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <map>
#include <sys/stat.h>
#include <unistd.h>

namespace nnc {

namespace {

const char kMagic[8] = {'N', 'N', 'C', 'C', 'K', 'P', 'T', '1'};
constexpr size_t kHeaderBytes = 8 + 4 + 8; // magic, version, file size
constexpr uint8_t kF32 = 0;

// --- Little-endian encoding, byte by byte --------------------------------

class Writer {
public:
  void u8(uint8_t v) { s_.push_back((char)v); }
  void u32(uint32_t v) {
    for (int i = 0; i < 4; ++i) s_.push_back((char)(v >> (8 * i)));
  }
  void u64(uint64_t v) {
    for (int i = 0; i < 8; ++i) s_.push_back((char)(v >> (8 * i)));
  }
  void str(const std::string &v) {
    u32((uint32_t)v.size());
    s_ += v;
  }
  void f32(float v) {
    uint32_t bits;
    std::memcpy(&bits, &v, 4);
    u32(bits);
  }
  void patchU64(size_t at, uint64_t v) {
    for (int i = 0; i < 8; ++i) s_[at + i] = (char)(v >> (8 * i));
  }
  std::string &bytes() { return s_; }

private:
  std::string s_;
};

/// Bounds-checked reads; after the first failure every read fails.
class Reader {
public:
  Reader(const std::string &s, size_t begin, size_t end) : s_(s), at_(begin), end_(end) {}
  bool ok() const { return ok_; }
  size_t at() const { return at_; }
  bool take(size_t n) {
    if (!ok_ || end_ - at_ < n) return ok_ = false;
    at_ += n;
    return true;
  }
  uint8_t u8() { return take(1) ? (uint8_t)s_[at_ - 1] : 0; }
  uint32_t u32() {
    if (!take(4)) return 0;
    uint32_t v = 0;
    for (int i = 0; i < 4; ++i) v |= (uint32_t)(uint8_t)s_[at_ - 4 + i] << (8 * i);
    return v;
  }
  uint64_t u64() {
    if (!take(8)) return 0;
    uint64_t v = 0;
    for (int i = 0; i < 8; ++i) v |= (uint64_t)(uint8_t)s_[at_ - 8 + i] << (8 * i);
    return v;
  }
  std::string str() {
    uint32_t n = u32();
    return take(n) ? s_.substr(at_ - n, n) : std::string();
  }
  float f32() {
    uint32_t bits = u32();
    float v;
    std::memcpy(&v, &bits, 4);
    return v;
  }

private:
  const std::string &s_;
  size_t at_, end_;
  bool ok_ = true;
};

uint32_t crc(const std::string &bytes, size_t n) {
  uLong c = crc32(0L, Z_NULL, 0);
  for (size_t done = 0; done < n;) { // crc32 takes a uInt length
    uInt chunk = (uInt)std::min<size_t>(n - done, 1u << 30);
    c = crc32(c, (const Bytef *)bytes.data() + done, chunk);
    done += chunk;
  }
  return (uint32_t)c;
}

std::string quoted(const std::string &s) { return "'" + s + "'"; }

std::string errnoText(int e) { return std::strerror(e); }

std::string dirOf(const std::string &path) {
  size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

/// Writes all of `bytes` to fd, retrying short writes; false with errno set.
bool writeAll(int fd, const std::string &bytes) {
  size_t done = 0;
  while (done < bytes.size()) {
    ssize_t n = ::write(fd, bytes.data() + done, std::min<size_t>(bytes.size() - done, 1 << 26));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return false;
    if (n == 0) {
      errno = ENOSPC;
      return false;
    }
    done += (size_t)n;
  }
  return true;
}

std::string what(const std::string &kind) {
  if (kind == "running") return "running statistic";
  if (kind == "solver") return "solver state";
  return "parameter";
}

} // namespace

int64_t CheckpointTensor::numel() const {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  return n;
}

std::string shapeString(const std::vector<int64_t> &shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + "]";
}

std::string encodeCheckpoint(const Checkpoint &c) {
  Writer w;
  w.bytes().append(kMagic, 8);
  w.u32(kCheckpointVersion);
  size_t sizeAt = w.bytes().size();
  w.u64(0); // the file size, patched below
  w.str(c.network);
  w.u32((uint32_t)c.tensors.size());
  for (const CheckpointTensor &t : c.tensors) {
    w.str(t.name);
    w.str(t.kind);
    w.u8(kF32);
    w.u32((uint32_t)t.shape.size());
    for (int64_t d : t.shape) w.u64((uint64_t)d);
  }
  w.u64((uint64_t)c.iteration);
  w.u64((uint64_t)c.epoch);
  w.u64(c.seed);
  for (const CheckpointTensor &t : c.tensors)
    for (int64_t i = 0; i < t.numel(); ++i) w.f32(i < (int64_t)t.values.size() ? t.values[i] : 0.0f);
  w.patchU64(sizeAt, w.bytes().size() + 4);
  uint32_t sum = crc(w.bytes(), w.bytes().size());
  w.u32(sum);
  return std::move(w.bytes());
}

bool writeCheckpoint(const std::string &path, const Checkpoint &c, std::string &error) {
  for (const CheckpointTensor &t : c.tensors)
    if ((int64_t)t.values.size() != t.numel()) {
      error = "cannot write checkpoint " + quoted(path) + ": " + what(t.kind) + " " + quoted(t.name) + " has " +
              std::to_string(t.values.size()) + " values for shape " + shapeString(t.shape);
      return false;
    }
  std::string bytes = encodeCheckpoint(c);
  auto failWith = [&](const std::string &step, int e) {
    error = "cannot write checkpoint " + quoted(path) + ": " + step + ": " + errnoText(e);
    return false;
  };

  std::string tmpl = path + ".tmp-XXXXXX";
  std::vector<char> tmp(tmpl.begin(), tmpl.end());
  tmp.push_back('\0');
  int fd = ::mkstemp(tmp.data());
  if (fd < 0) return failWith("cannot create a file in " + quoted(dirOf(path)), errno);
  std::string tmpPath = tmp.data();
  // mkstemp makes the file 0600; a checkpoint is as readable as any file.
  mode_t mask = ::umask(0);
  ::umask(mask);
  ::fchmod(fd, 0666 & ~mask);

  auto abandon = [&](const std::string &step, int e) {
    if (fd >= 0) ::close(fd);
    ::unlink(tmpPath.c_str());
    return failWith(step, e);
  };
  if (!writeAll(fd, bytes)) return abandon("writing " + std::to_string(bytes.size()) + " bytes", errno);
  if (::fsync(fd) != 0) return abandon("fsync", errno);
  int closed = ::close(fd);
  fd = -1;
  if (closed != 0) return abandon("close", errno);
  if (::rename(tmpPath.c_str(), path.c_str()) != 0) return abandon("rename", errno);
  // The rename is durable once the directory is.
  int dir = ::open(dirOf(path).c_str(), O_RDONLY | O_DIRECTORY);
  if (dir >= 0) {
    ::fsync(dir);
    ::close(dir);
  }
  return true;
}

bool readCheckpoint(const std::string &path, Checkpoint &c, std::string &error) {
  std::string p = quoted(path);
  int fd = ::open(path.c_str(), O_RDONLY);
  if (fd < 0) {
    error = "cannot read checkpoint " + p + ": " + errnoText(errno);
    return false;
  }
  struct stat st;
  int statError = ::fstat(fd, &st) != 0 ? errno : S_ISDIR(st.st_mode) ? EISDIR : 0;
  if (statError) {
    int e = statError;
    ::close(fd);
    error = "cannot read checkpoint " + p + ": " + errnoText(e);
    return false;
  }
  std::string bytes;
  char buf[1 << 16];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int e = errno;
      ::close(fd);
      error = "cannot read checkpoint " + p + ": " + errnoText(e);
      return false;
    }
    if (n == 0) break;
    bytes.append(buf, (size_t)n);
  }
  ::close(fd);

  size_t size = bytes.size();
  if (size == 0) {
    error = "checkpoint " + p + " is empty";
    return false;
  }
  if (std::memcmp(bytes.data(), kMagic, std::min<size_t>(size, 8)) != 0) {
    error = p + " is not an nnc checkpoint (it does not start with \"NNCCKPT1\")";
    return false;
  }
  if (size < kHeaderBytes) {
    error = "checkpoint " + p + " is truncated: " + std::to_string(size) + " bytes, shorter than its header";
    return false;
  }
  Reader header(bytes, 8, kHeaderBytes);
  uint32_t version = header.u32();
  uint64_t declared = header.u64();
  if (version > kCheckpointVersion) {
    error = "checkpoint " + p + " has format version " + std::to_string(version) + ", newer than this nnc reads (" +
            std::to_string(kCheckpointVersion) + "); use a newer nnc";
    return false;
  }
  if (version == 0) {
    error = "checkpoint " + p + " is corrupt: format version 0";
    return false;
  }
  if (size < declared) {
    error = "checkpoint " + p + " is truncated: " + std::to_string(size) + " of " + std::to_string(declared) + " bytes";
    return false;
  }
  if (size != declared || size < kHeaderBytes + 4) {
    error = "checkpoint " + p + " is corrupt: " + std::to_string(size) + " bytes, but its header says " +
            std::to_string(declared);
    return false;
  }
  Reader tail(bytes, size - 4, size);
  uint32_t stored = tail.u32(), actual = crc(bytes, size - 4);
  if (stored != actual) {
    error = "checkpoint " + p + " is corrupt: checksum mismatch";
    return false;
  }

  // The checksum holds: a structural problem now is a writer's bug, still reported.
  auto corrupt = [&](const std::string &why) {
    error = "checkpoint " + p + " is corrupt: " + why;
    return false;
  };
  Reader r(bytes, kHeaderBytes, size - 4);
  Checkpoint out;
  out.network = r.str();
  uint32_t count = r.u32();
  for (uint32_t i = 0; i < count && r.ok(); ++i) {
    CheckpointTensor t;
    t.name = r.str();
    t.kind = r.str();
    // Files written before the solvers were generalized call SGD's state
    // "velocity" (its names, "<param>.velocity", are unchanged).
    if (t.kind == "velocity") t.kind = "solver";
    uint8_t dtype = r.u8();
    if (r.ok() && dtype != kF32) return corrupt("entry " + quoted(t.name) + " has unknown dtype " + std::to_string(dtype));
    uint32_t rank = r.u32();
    if (r.ok() && rank > 16) return corrupt("entry " + quoted(t.name) + " has rank " + std::to_string(rank));
    for (uint32_t k = 0; k < rank && r.ok(); ++k) {
      uint64_t d = r.u64();
      if (d > (uint64_t)size) return corrupt("entry " + quoted(t.name) + " has a dimension of " + std::to_string(d));
      t.shape.push_back((int64_t)d);
    }
    out.tensors.push_back(std::move(t));
  }
  out.iteration = (int64_t)r.u64();
  out.epoch = (int64_t)r.u64();
  out.seed = r.u64();
  if (!r.ok()) return corrupt("the manifest runs past the end of the file");
  for (CheckpointTensor &t : out.tensors) {
    int64_t n = t.numel();
    if ((uint64_t)n * 4 > size - 4 - r.at()) return corrupt("the data of " + quoted(t.name) + " runs past the end of the file");
    t.values.resize(n);
    for (int64_t i = 0; i < n; ++i) t.values[i] = r.f32();
  }
  if (r.at() != size - 4) return corrupt(std::to_string(size - 4 - r.at()) + " bytes after the data");
  c = std::move(out);
  return true;
}

bool matchCheckpoint(const std::string &path, const Checkpoint &c, const std::string &network,
                     const std::vector<CheckpointTensor> &expected, bool ignoreSolverState, std::string &error) {
  std::string p = quoted(path);
  if (c.network != network) {
    error = "checkpoint " + p + " is for network " + quoted(c.network) + ", not " + quoted(network);
    return false;
  }
  std::map<std::string, const CheckpointTensor *> saved;
  for (const CheckpointTensor &t : c.tensors) saved[t.name] = &t;
  std::map<std::string, const CheckpointTensor *> here;
  for (const CheckpointTensor &e : expected) {
    here[e.name] = &e;
    auto it = saved.find(e.name);
    if (it == saved.end()) {
      error = what(e.kind) + " " + quoted(e.name) + " of network " + quoted(network) + " is missing from checkpoint " + p;
      return false;
    }
    const CheckpointTensor &s = *it->second;
    if (s.kind != e.kind) {
      error = quoted(e.name) + " is a " + what(e.kind) + " here but a " + what(s.kind) + " in checkpoint " + p;
      return false;
    }
    if (s.shape != e.shape) {
      error = what(e.kind) + " " + quoted(e.name) + " is " + shapeString(e.shape) + " here but " +
              shapeString(s.shape) + " in checkpoint " + p;
      return false;
    }
  }
  for (const CheckpointTensor &s : c.tensors)
    if (!here.count(s.name) && !(ignoreSolverState && s.kind == "solver")) {
      error = "checkpoint " + p + " has " + what(s.kind) + " " + quoted(s.name) + ", which network " +
              quoted(network) + " does not have";
      return false;
    }
  return true;
}

} // namespace nnc
