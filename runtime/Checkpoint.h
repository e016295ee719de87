//===- Checkpoint.h - Saved training state: manifest plus arena bytes ------===//
//
// A checkpoint file, all integers little-endian whatever the host:
//
//   "NNCCKPT1"                      magic, 8 bytes
//   u32 version                     kCheckpointVersion
//   u64 file size                   of the whole file, checksum included
//   str network                     u32 length, then UTF-8 bytes
//   u32 entry count, then per entry:
//     str name, str kind            kind: param, running, solver
//     u8 dtype                      0: f32 (the only one so far)
//     u32 rank, u64 dims[rank]
//   u64 iteration, u64 epoch, u64 seed   the training position
//   per entry, in manifest order:   numel x f32 (IEEE bits as u32)
//   u32 CRC-32 (zlib)               of every byte before it
//
// Writing is atomic: a temporary file beside the target, fsync, rename,
// fsync of the directory; a failed write leaves the previous file intact.
//
//===----------------------------------------------------------------------===//
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace nnc {

constexpr uint32_t kCheckpointVersion = 1;

/// One state-arena tensor as a checkpoint stores it (f32 only).
struct CheckpointTensor {
  std::string name, kind; // kind: param, running, solver (a method's state, "<param>.<state>")
  std::vector<int64_t> shape;
  std::vector<float> values; // numel() values; empty in an expected manifest
  int64_t numel() const;
};

struct Checkpoint {
  std::string network;
  std::vector<CheckpointTensor> tensors;
  int64_t iteration = 0; // training steps done
  int64_t epoch = 0;     // epochs done
  uint64_t seed = 0;     // of initialization, data order and dropout
};

/// The file's bytes (exposed for tests).
std::string encodeCheckpoint(const Checkpoint &c);

/// Writes `c` to `path` atomically. On failure returns false with a message
/// naming the path and the cause; `path` keeps its previous contents and no
/// temporary file is left behind.
bool writeCheckpoint(const std::string &path, const Checkpoint &c, std::string &error);

/// Reads and validates `path` (magic, version, size, checksum, structure).
bool readCheckpoint(const std::string &path, Checkpoint &c, std::string &error);

/// Checks that checkpoint `c`, read from `path`, fits network `network`
/// whose state is `expected` (names, kinds and shapes; values ignored).
/// With `ignoreSolverState`, the checkpoint's solver state (kind "solver") needs
/// no counterpart (evaluation needs only the parameters). Names the first
/// difference.
bool matchCheckpoint(const std::string &path, const Checkpoint &c, const std::string &network,
                     const std::vector<CheckpointTensor> &expected, bool ignoreSolverState,
                     std::string &error);

/// "[20, 1, 5, 5]"
std::string shapeString(const std::vector<int64_t> &shape);

} // namespace nnc
