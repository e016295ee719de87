//===- Prefetcher.cpp -----------------------------------------------------===//
#include "runtime/Prefetcher.h"

#include <chrono>
#include <exception>

namespace nnc {

Prefetcher::Prefetcher(Batcher &batcher) : batcher_(batcher) {
  for (Slot &s : slots_) {
    s.images.resize(size_t(batcher.batchSize() * batcher.exampleSize()));
    s.labels.resize(size_t(batcher.batchSize()));
  }
  worker_ = std::thread([this] { work(); });
}

Prefetcher::~Prefetcher() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_ = true;
  }
  cv_.notify_all();
  worker_.join();
}

void Prefetcher::work() {
  std::unique_lock<std::mutex> lock(mutex_);
  for (;;) {
    cv_.wait(lock, [&] { return stop_ || (running_ && !ended_ && !slots_[fill_].full); });
    if (stop_)
      return;
    Slot &s = slots_[fill_];
    busy_ = true;
    lock.unlock();
    // The slot is not full, so the caller does not read it; the Batcher is
    // the worker's while running_.
    int64_t n = 0;
    std::string failure;
    try {
      n = batcher_.next(s.images.data(), s.labels.data());
    } catch (const std::exception &e) {
      failure = e.what();
    } catch (...) {
      failure = "unknown exception";
    }
    lock.lock();
    busy_ = false;
    if (!failure.empty()) {
      error_ = "preparing a batch failed: " + failure;
      n = 0;
    }
    s.count = n;
    s.full = true;
    ended_ = n == 0;
    fill_ ^= 1;
    cv_.notify_all();
  }
}

void Prefetcher::startEpoch(int64_t epoch) {
  std::unique_lock<std::mutex> lock(mutex_);
  running_ = false;
  cv_.wait(lock, [&] { return !busy_; });
  // The worker waits for running_: the Batcher and the slots are ours.
  batcher_.startEpoch(epoch);
  for (Slot &s : slots_)
    s.full = false;
  fill_ = take_ = 0;
  held_ = -1;
  ended_ = false;
  running_ = true;
  lock.unlock();
  cv_.notify_all();
}

int64_t Prefetcher::next(float *&images, int32_t *&labels) {
  std::unique_lock<std::mutex> lock(mutex_);
  if (held_ >= 0) {
    slots_[held_].full = false; // hand the previous batch back to the worker
    held_ = -1;
    cv_.notify_all();
  }
  Slot &s = slots_[take_];
  if (!s.full) {
    if (!running_)
      return 0; // no epoch started
    auto start = std::chrono::steady_clock::now();
    cv_.wait(lock, [&] { return s.full; });
    wait_ += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  }
  if (s.count == 0)
    return 0; // the end stays in its slot: later calls return 0 too
  held_ = take_;
  take_ ^= 1;
  images = s.images.data();
  labels = s.labels.data();
  return s.count;
}

std::string Prefetcher::error() {
  std::lock_guard<std::mutex> lock(mutex_);
  return error_;
}

} // namespace nnc
