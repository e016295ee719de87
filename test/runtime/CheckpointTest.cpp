//===- CheckpointTest.cpp - Checkpoints: round trip, corruption, atomicity -===//
#include "runtime/Checkpoint.h"

#include <gtest/gtest.h>

#include <cmath>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <dirent.h>
#include <fstream>
#include <limits>
#include <sstream>
#include <string>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>
#include <vector>

using namespace nnc;

namespace {

Checkpoint sample() {
  Checkpoint c;
  c.network = "lenet";
  c.iteration = 1874;
  c.epoch = 2;
  c.seed = 0x123456789abcdef0ull;
  auto add = [&](std::string name, std::string kind, std::vector<int64_t> shape) {
    CheckpointTensor t{name, kind, shape, {}};
    for (int64_t i = 0; i < t.numel(); ++i) t.values.push_back(std::sin((float)i + (float)c.tensors.size()) * 0.5f);
    c.tensors.push_back(t);
  };
  add("conv1.weight", "param", {20, 1, 5, 5});
  add("conv1.bias", "param", {20});
  add("bn.mean", "running", {20});
  add("conv1.weight.velocity", "solver", {20, 1, 5, 5});
  add("conv1.bias.velocity", "solver", {20});
  // Values whose bits must survive unchanged.
  c.tensors[1].values[0] = -0.0f;
  c.tensors[1].values[1] = std::numeric_limits<float>::denorm_min();
  c.tensors[1].values[2] = std::numeric_limits<float>::infinity();
  return c;
}

std::vector<CheckpointTensor> manifestOf(const Checkpoint &c) {
  std::vector<CheckpointTensor> m;
  for (const CheckpointTensor &t : c.tensors) m.push_back({t.name, t.kind, t.shape, {}});
  return m;
}

/// A fresh directory per test.
class CheckpointTest : public ::testing::Test {
protected:
  void SetUp() override {
    char tmpl[] = "/tmp/nnc-ckpt-test-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { std::system(("rm -rf '" + dir_ + "'").c_str()); }

  std::string path(const std::string &name) const { return dir_ + "/" + name; }

  static std::string slurp(const std::string &p) {
    std::ifstream f(p, std::ios::binary);
    std::stringstream s;
    s << f.rdbuf();
    return s.str();
  }
  static void spit(const std::string &p, const std::string &bytes) {
    std::ofstream f(p, std::ios::binary | std::ios::trunc);
    f << bytes;
  }
  /// Names in `d` other than . and ..
  static std::vector<std::string> entries(const std::string &d) {
    std::vector<std::string> names;
    if (DIR *dp = ::opendir(d.c_str())) {
      while (dirent *e = ::readdir(dp))
        if (std::string(e->d_name) != "." && std::string(e->d_name) != "..") names.push_back(e->d_name);
      ::closedir(dp);
    }
    return names;
  }
  /// Reads `bytes` back as a checkpoint file; returns the error ("" on success).
  std::string readError(const std::string &bytes) {
    spit(path("x.ckpt"), bytes);
    Checkpoint c;
    std::string error;
    return readCheckpoint(path("x.ckpt"), c, error) ? "" : error;
  }

  std::string dir_;
};

TEST_F(CheckpointTest, RoundTripKeepsEveryBit) {
  Checkpoint c = sample();
  std::string error;
  ASSERT_TRUE(writeCheckpoint(path("a.ckpt"), c, error)) << error;
  Checkpoint r;
  ASSERT_TRUE(readCheckpoint(path("a.ckpt"), r, error)) << error;
  EXPECT_EQ(r.network, c.network);
  EXPECT_EQ(r.iteration, c.iteration);
  EXPECT_EQ(r.epoch, c.epoch);
  EXPECT_EQ(r.seed, c.seed);
  ASSERT_EQ(r.tensors.size(), c.tensors.size());
  for (size_t i = 0; i < c.tensors.size(); ++i) {
    EXPECT_EQ(r.tensors[i].name, c.tensors[i].name);
    EXPECT_EQ(r.tensors[i].kind, c.tensors[i].kind);
    EXPECT_EQ(r.tensors[i].shape, c.tensors[i].shape);
    ASSERT_EQ(r.tensors[i].values.size(), c.tensors[i].values.size());
    EXPECT_EQ(0, std::memcmp(r.tensors[i].values.data(), c.tensors[i].values.data(), 4 * c.tensors[i].values.size()));
  }
  EXPECT_TRUE(matchCheckpoint(path("a.ckpt"), r, "lenet", manifestOf(c), false, error)) << error;
  EXPECT_EQ(entries(dir_), std::vector<std::string>{"a.ckpt"}); // no temporary left
  // Writing again replaces the file with the same bytes.
  ASSERT_TRUE(writeCheckpoint(path("a.ckpt"), c, error)) << error;
  EXPECT_EQ(slurp(path("a.ckpt")), encodeCheckpoint(c));
}

TEST_F(CheckpointTest, LittleEndianWhateverTheHost) {
  Checkpoint c;
  c.network = "n";
  c.iteration = 0x0102030405060708;
  c.tensors.push_back({"w", "param", {1}, {1.0f}}); // 0x3f800000
  std::string b = encodeCheckpoint(c);
  EXPECT_EQ(b.substr(0, 8), "NNCCKPT1");
  EXPECT_EQ(b.substr(8, 4), std::string("\x01\x00\x00\x00", 4)); // version 1
  EXPECT_EQ((uint8_t)b[12], b.size());                             // file size, low byte first
  size_t it = b.size() - 4 - 4 - 24;                                // iteration, epoch, seed, data, crc
  EXPECT_EQ(b.substr(it, 8), std::string("\x08\x07\x06\x05\x04\x03\x02\x01", 8));
  EXPECT_EQ(b.substr(b.size() - 8, 4), std::string("\x00\x00\x80\x3f", 4));
}

TEST_F(CheckpointTest, MissingFile) {
  Checkpoint c;
  std::string error;
  EXPECT_FALSE(readCheckpoint(path("nope.ckpt"), c, error));
  EXPECT_NE(error.find("cannot read checkpoint '" + path("nope.ckpt") + "': No such file or directory"),
            std::string::npos) << error;
}

TEST_F(CheckpointTest, TruncatedAtEveryKindOfPoint) {
  std::string good = encodeCheckpoint(sample());
  EXPECT_NE(readError("").find("is empty"), std::string::npos);
  for (size_t keep : {size_t(3), size_t(8), size_t(15), size_t(20), size_t(40), good.size() / 2, good.size() - 5,
                      good.size() - 1}) {
    std::string e = readError(good.substr(0, keep));
    EXPECT_NE(e.find("is truncated"), std::string::npos) << keep << ": " << e;
  }
}

TEST_F(CheckpointTest, FlippedBytesAreACorruptChecksum) {
  Checkpoint c = sample();
  std::string good = encodeCheckpoint(c);
  size_t network = 20 + 4;                   // the header's network name
  size_t manifest = network + 5 + 4 + 4 + 3; // inside the first entry's name
  size_t data = good.size() - 4 - 100;       // inside the last entry's values
  ASSERT_EQ(good.substr(network, 5), "lenet");
  ASSERT_EQ(good.substr(manifest - 3, 12), "conv1.weight");
  for (size_t at : {network, manifest, data, good.size() - 1}) {
    std::string bad = good;
    bad[at] ^= 0x10;
    std::string e = readError(bad);
    EXPECT_NE(e.find("is corrupt: checksum mismatch"), std::string::npos) << at << ": " << e;
  }
  // Any single flipped bit anywhere is caught, with some message.
  for (size_t at = 0; at < good.size(); at += 7) {
    std::string bad = good;
    bad[at] ^= 0x01;
    EXPECT_NE(readError(bad), "") << "byte " << at;
  }
  // Bytes appended after the checksum.
  EXPECT_NE(readError(good + "x").find("is corrupt"), std::string::npos);
}

TEST_F(CheckpointTest, WrongMagicIsNotACheckpoint) {
  std::string bad = encodeCheckpoint(sample());
  bad[3] = 'X';
  EXPECT_NE(readError(bad).find("is not an nnc checkpoint"), std::string::npos);
  EXPECT_NE(readError("nn 1\nnetwork mlp {}\n").find("is not an nnc checkpoint"), std::string::npos);
}

TEST_F(CheckpointTest, NewerVersionIsRefusedByName) {
  std::string bad = encodeCheckpoint(sample());
  bad[8] = 2;
  std::string e = readError(bad);
  EXPECT_NE(e.find("has format version 2, newer than this nnc reads (1)"), std::string::npos) << e;
}

TEST_F(CheckpointTest, MismatchingManifestsNameTheDifference) {
  Checkpoint c = sample();
  std::vector<CheckpointTensor> m = manifestOf(c);
  std::string error, p = "'x.ckpt'";

  EXPECT_FALSE(matchCheckpoint("x.ckpt", c, "mlp", m, false, error));
  EXPECT_EQ(error, "checkpoint 'x.ckpt' is for network 'lenet', not 'mlp'");

  auto shape = m;
  shape[0].shape = {10, 1, 5, 5};
  EXPECT_FALSE(matchCheckpoint("x.ckpt", c, "lenet", shape, false, error));
  EXPECT_EQ(error, "parameter 'conv1.weight' is [10, 1, 5, 5] here but [20, 1, 5, 5] in checkpoint 'x.ckpt'");

  auto missing = m;
  missing.push_back({"fc.weight", "param", {10, 4}, {}});
  EXPECT_FALSE(matchCheckpoint("x.ckpt", c, "lenet", missing, false, error));
  EXPECT_EQ(error, "parameter 'fc.weight' of network 'lenet' is missing from checkpoint 'x.ckpt'");

  auto extra = m;
  extra.erase(extra.begin() + 2);
  EXPECT_FALSE(matchCheckpoint("x.ckpt", c, "lenet", extra, false, error));
  EXPECT_EQ(error, "checkpoint 'x.ckpt' has running statistic 'bn.mean', which network 'lenet' does not have");

  auto kind = m;
  kind[2].kind = "param";
  EXPECT_FALSE(matchCheckpoint("x.ckpt", c, "lenet", kind, false, error));
  EXPECT_EQ(error, "'bn.mean' is a parameter here but a running statistic in checkpoint 'x.ckpt'");

  // Evaluation needs no solver state; training does.
  std::vector<CheckpointTensor> params(m.begin(), m.begin() + 3);
  EXPECT_TRUE(matchCheckpoint("x.ckpt", c, "lenet", params, true, error)) << error;
  EXPECT_FALSE(matchCheckpoint("x.ckpt", c, "lenet", params, false, error));
  EXPECT_NE(error.find("has solver state 'conv1.weight.velocity'"), std::string::npos) << error;

  // Adam's state (m, s) where the checkpoint has SGD's velocity.
  std::vector<CheckpointTensor> adam(m.begin(), m.begin() + 3);
  adam.push_back({"conv1.weight.m", "solver", {20, 1, 5, 5}, {}});
  EXPECT_FALSE(matchCheckpoint("x.ckpt", c, "lenet", adam, false, error));
  EXPECT_EQ(error, "solver state 'conv1.weight.m' of network 'lenet' is missing from checkpoint 'x.ckpt'");
}

TEST_F(CheckpointTest, LegacyVelocityKindReadsAsSolverState) {
  // Files written before the solvers were generalized name SGD's state kind "velocity".
  Checkpoint c = sample();
  for (CheckpointTensor &t : c.tensors)
    if (t.kind == "solver") t.kind = "velocity";
  spit(path("old.ckpt"), encodeCheckpoint(c));
  Checkpoint r;
  std::string error;
  ASSERT_TRUE(readCheckpoint(path("old.ckpt"), r, error)) << error;
  EXPECT_EQ(r.tensors[3].kind, "solver");
  EXPECT_EQ(r.tensors[4].kind, "solver");
  EXPECT_EQ(r.tensors[0].kind, "param");
  EXPECT_TRUE(matchCheckpoint("old.ckpt", r, "lenet", manifestOf(sample()), false, error)) << error;
}

TEST_F(CheckpointTest, DirectoryThatDoesNotExist) {
  std::string error;
  std::string p = path("no/such/dir/a.ckpt");
  EXPECT_FALSE(writeCheckpoint(p, sample(), error));
  EXPECT_NE(error.find("cannot write checkpoint '" + p + "'"), std::string::npos) << error;
  EXPECT_NE(error.find("No such file or directory"), std::string::npos) << error;
  EXPECT_TRUE(entries(dir_).empty());
}

TEST_F(CheckpointTest, UnwritableDirectoryKeepsThePreviousCheckpoint) {
  std::string error;
  Checkpoint old = sample();
  ASSERT_TRUE(writeCheckpoint(path("a.ckpt"), old, error)) << error;
  std::string before = slurp(path("a.ckpt"));
  ASSERT_EQ(::chmod(dir_.c_str(), 0555), 0);
  Checkpoint next = sample();
  next.epoch = 3;
  bool wrote = writeCheckpoint(path("a.ckpt"), next, error);
  ::chmod(dir_.c_str(), 0755);
  if (wrote && ::geteuid() == 0) GTEST_SKIP() << "root writes into read-only directories";
  EXPECT_FALSE(wrote);
  EXPECT_NE(error.find("Permission denied"), std::string::npos) << error;
  EXPECT_EQ(slurp(path("a.ckpt")), before);
  EXPECT_EQ(entries(dir_), std::vector<std::string>{"a.ckpt"});
}

TEST_F(CheckpointTest, PathUnderAFileKeepsThePreviousCheckpoint) {
  // Unwritable even for root: the "directory" is a regular file.
  std::string error;
  ASSERT_TRUE(writeCheckpoint(path("a.ckpt"), sample(), error)) << error;
  std::string before = slurp(path("a.ckpt"));
  EXPECT_FALSE(writeCheckpoint(path("a.ckpt/b.ckpt"), sample(), error));
  EXPECT_NE(error.find("Not a directory"), std::string::npos) << error;
  EXPECT_EQ(slurp(path("a.ckpt")), before);
  EXPECT_EQ(entries(dir_), std::vector<std::string>{"a.ckpt"});
}

TEST_F(CheckpointTest, FailedRenameLeavesNoTemporaryFile) {
  // The data is written and synced; the rename over a directory fails.
  ASSERT_EQ(::mkdir(path("a.ckpt").c_str(), 0755), 0);
  std::string error;
  EXPECT_FALSE(writeCheckpoint(path("a.ckpt"), sample(), error));
  EXPECT_NE(error.find("cannot write checkpoint '" + path("a.ckpt") + "': rename"), std::string::npos) << error;
  EXPECT_EQ(entries(dir_), std::vector<std::string>{"a.ckpt"});
  EXPECT_TRUE(entries(path("a.ckpt")).empty());
}

TEST_F(CheckpointTest, FullDiskKeepsThePreviousCheckpoint) {
  // A file size limit makes write() fail part way (EFBIG), as a full disk would.
  std::string error;
  Checkpoint small;
  small.network = "lenet";
  small.tensors.push_back({"w", "param", {4}, {1, 2, 3, 4}});
  ASSERT_TRUE(writeCheckpoint(path("a.ckpt"), small, error)) << error;
  std::string before = slurp(path("a.ckpt"));

  struct rlimit saved;
  ASSERT_EQ(::getrlimit(RLIMIT_FSIZE, &saved), 0);
  if (saved.rlim_max != RLIM_INFINITY && saved.rlim_max < 4096) GTEST_SKIP() << "file size limit already set";
  auto oldHandler = std::signal(SIGXFSZ, SIG_IGN);
  struct rlimit limited = saved;
  limited.rlim_cur = 4096;
  ASSERT_EQ(::setrlimit(RLIMIT_FSIZE, &limited), 0);
  bool wrote = writeCheckpoint(path("a.ckpt"), sample(), error); // ~4.3 KB
  ::setrlimit(RLIMIT_FSIZE, &saved);
  std::signal(SIGXFSZ, oldHandler);

  EXPECT_FALSE(wrote);
  EXPECT_NE(error.find("cannot write checkpoint '" + path("a.ckpt") + "': writing"), std::string::npos) << error;
  EXPECT_EQ(slurp(path("a.ckpt")), before);
  EXPECT_EQ(entries(dir_), std::vector<std::string>{"a.ckpt"});
}

} // namespace
