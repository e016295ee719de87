//===- Prefetcher.h - Batches prepared on a background thread -------------===//
//
// Double buffering over a Batcher: while the caller trains on one batch, a
// worker thread writes the next one into the other buffer. The batches and
// their order are exactly the Batcher's; only the time they are made
// changes. Between startEpoch() and the end of the epoch the Batcher belongs
// to the worker; startEpoch() waits for the worker to be idle before it
// touches the Batcher. The destructor stops and joins the worker wherever it
// is (an error or an early return in the training loop), after at most the
// batch it is writing.
//
//===----------------------------------------------------------------------===//
#pragma once

#include "runtime/Batcher.h"

#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace nnc {

class Prefetcher {
public:
  /// Starts the worker, idle until the first startEpoch().
  explicit Prefetcher(Batcher &batcher);
  ~Prefetcher();
  Prefetcher(const Prefetcher &) = delete;
  Prefetcher &operator=(const Prefetcher &) = delete;

  /// Abandons the batches of the current epoch and starts preparing those of
  /// `epoch` (Batcher::startEpoch).
  void startEpoch(int64_t epoch);
  /// The next batch of the epoch: its size B, 0 at the end of the epoch (or
  /// after a failure: error() then says what). images [B, ...] and labels [B]
  /// point into a buffer that is the caller's, to read or overwrite, until the
  /// next call of next() or startEpoch().
  int64_t next(float *&images, int32_t *&labels);
  /// Seconds next() has spent waiting for a batch that was not ready yet.
  double waitSeconds() const { return wait_; }
  /// What went wrong in the worker (empty when nothing did).
  std::string error();

private:
  struct Slot {
    std::vector<float> images;
    std::vector<int32_t> labels;
    int64_t count = 0;
    bool full = false; // written and not yet released by the caller
  };
  void work();

  Batcher &batcher_;
  Slot slots_[2];
  std::mutex mutex_;
  std::condition_variable cv_;
  int fill_ = 0, take_ = 0, held_ = -1; // the slot the worker fills / the caller takes next / holds
  bool running_ = false;                // an epoch is being prepared
  bool ended_ = false;                  // the worker has written the end of the epoch
  bool busy_ = false;                   // the worker is inside Batcher::next
  bool stop_ = false;
  std::string error_;
  double wait_ = 0; // the caller's only
  std::thread worker_;
};

} // namespace nnc
