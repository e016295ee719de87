// After the first step, a training step allocates no memory in nnc's own code:
// every tensor lives in the arenas planned at compile time. Counted here as
// the calls of the global operator new (nnc's host code and runtime are C++;
// the generated code only uses the arenas) outside calls into oneDNN, whose
// insides are its own business, over runs whose step counts differ: the
// counts must not grow with the number of steps. One thread, so that oneDNN
// runs on the calling thread.
#include "codegen/Trainer.h"
#include "frontend/Frontend.h"
#include "runtime/Context.h"

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <gtest/gtest.h>
#include <new>
#include <sstream>
#include <unistd.h>

namespace {
std::atomic<long> gNews{0};
} // namespace

void *operator new(std::size_t n) {
  if (nnc::rt::libraryCallDepth == 0) gNews.fetch_add(1, std::memory_order_relaxed);
  if (void *p = std::malloc(n ? n : 1)) return p;
  throw std::bad_alloc();
}
void operator delete(void *p) noexcept { std::free(p); }
void operator delete(void *p, std::size_t) noexcept { std::free(p); }

using namespace nnc;

namespace {

/// operator new calls of one `nnc train` of an MLP on `count` synthetic examples.
long allocationsOfRun(int64_t count, const std::string &granularity) {
  std::ifstream in(std::string(NNC_SOURCE_DIR) + "/examples/mlp.nn");
  std::stringstream text;
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("  train = ", 0) == 0) line = "  train = synthetic(count=" + std::to_string(count) + ", classes=10)";
    else if (line.rfind("  test = ", 0) == 0) continue;
    text << line << "\n";
  }
  char dir[] = "/tmp/nnc-alloc-XXXXXX";
  EXPECT_NE(::mkdtemp(dir), nullptr);
  std::string file = std::string(dir) + "/mlp.nn";
  std::ofstream(file) << text.str();
  Frontend fe({std::string(NNC_SOURCE_DIR) + "/stdlib"});
  Program p = fe.check(file);
  EXPECT_EQ(fe.diags().errorCount(), 0u);
  TrainOptions o;
  o.progress = false;
  o.threads = 1;
  o.granularity = granularity;
  std::ostringstream out;
  TrainResult r;
  long before = gNews.load();
  EXPECT_TRUE(train(file, p, fe.diags(), o, out, r)) << out.str();
  long news = gNews.load() - before;
  std::remove(file.c_str());
  ::rmdir(dir);
  return news;
}

TEST(Allocation, StepsAllocateNothingAfterTheFirst) {
  for (const char *g : {"coarse", "fine"}) {
    allocationsOfRun(64 * 4, g); // warm: first-use allocations of libraries and caches
    long few = allocationsOfRun(64 * 4, g), many = allocationsOfRun(64 * 104, g);
    // One allocation per step would add 100; a few dozen come and go between
    // runs with the timing of the threads (JIT, data), whatever the steps.
    EXPECT_LT(std::labs(many - few), 50) << g << ": 100 more steps made " << (many - few) << " more allocations";
  }
}

} // namespace
