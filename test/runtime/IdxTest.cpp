//===- IdxTest.cpp - IDX reading: round trips and every corruption --------===//
#include "runtime/Idx.h"

#include <gtest/gtest.h>
#include <zlib.h>

#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

using namespace nnc;

namespace {

using Bytes = std::vector<uint8_t>;

void put32(Bytes &b, uint32_t v) {
  for (int s = 24; s >= 0; s -= 8)
    b.push_back(uint8_t(v >> s));
}

Bytes imageFile(uint32_t count, uint32_t rows, uint32_t cols, size_t payload) {
  Bytes b;
  put32(b, 0x00000803);
  put32(b, count);
  put32(b, rows);
  put32(b, cols);
  for (size_t i = 0; i < payload; ++i)
    b.push_back(uint8_t(i * 37 + 11));
  return b;
}

Bytes labelFile(uint32_t count, size_t payload) {
  Bytes b;
  put32(b, 0x00000801);
  put32(b, count);
  for (size_t i = 0; i < payload; ++i)
    b.push_back(uint8_t(i % 10));
  return b;
}

class IdxTest : public ::testing::Test {
protected:
  std::string path(const std::string &name) {
    return ::testing::TempDir() + "nnc-idx-" +
           ::testing::UnitTest::GetInstance()->current_test_info()->name() + "-" + name;
  }
  std::string writeRaw(const std::string &name, const Bytes &b) {
    std::string p = path(name);
    std::ofstream(p, std::ios::binary).write(reinterpret_cast<const char *>(b.data()),
                                             std::streamsize(b.size()));
    return p;
  }
  std::string writeGz(const std::string &name, const Bytes &b) {
    std::string p = path(name);
    gzFile f = gzopen(p.c_str(), "wb");
    EXPECT_NE(f, nullptr);
    EXPECT_EQ(gzwrite(f, b.data(), unsigned(b.size())), int(b.size()));
    gzclose(f);
    return p;
  }
  static Bytes readAll(const std::string &p) {
    std::ifstream in(p, std::ios::binary);
    return Bytes(std::istreambuf_iterator<char>(in), {});
  }
  std::string imagesError(const std::string &p) {
    IdxImages im;
    std::string err;
    EXPECT_FALSE(readIdxImages(p, im, err));
    EXPECT_TRUE(im.pixels.empty());
    return err;
  }
  std::string labelsError(const std::string &p) {
    IdxLabels lb;
    std::string err;
    EXPECT_FALSE(readIdxLabels(p, lb, err));
    return err;
  }
};

#define EXPECT_HAS(haystack, needle)                                                            \
  EXPECT_NE(std::string(haystack).find(needle), std::string::npos) << "message: " << (haystack)

TEST_F(IdxTest, RoundTripRawAndGzip) {
  Bytes img = imageFile(3, 2, 5, 30), lab = labelFile(3, 3);
  for (bool gz : {false, true}) {
    std::string ip = gz ? writeGz("i.gz", img) : writeRaw("i", img);
    std::string lp = gz ? writeGz("l.gz", lab) : writeRaw("l", lab);
    IdxImages im;
    IdxLabels lb;
    std::string err;
    ASSERT_TRUE(readIdxDataset(ip, lp, im, lb, err)) << err;
    EXPECT_EQ(im.count, 3);
    EXPECT_EQ(im.rows, 2);
    EXPECT_EQ(im.cols, 5);
    EXPECT_EQ(im.pixels, Bytes(img.begin() + 16, img.end()));
    EXPECT_EQ(lb.count, 3);
    EXPECT_EQ(lb.labels, (Bytes{0, 1, 2}));
  }
}

TEST_F(IdxTest, MissingFile) {
  std::string p = path("nope");
  EXPECT_EQ(imagesError(p), "cannot open '" + p + "': No such file or directory");
}

TEST_F(IdxTest, NotIdxNorGzip) {
  std::string p = writeRaw("html", Bytes{'<', 'h', 't', 'm', 'l', '>', '\n'});
  EXPECT_EQ(imagesError(p), "'" + p +
                                "' is not an IDX images file (nor gzip-compressed): bad magic "
                                "0x3c68746d, expected 0x00000803");
  std::string g = writeGz("html.gz", Bytes{'<', 'h', 't', 'm', 'l', '>', '\n'});
  EXPECT_EQ(labelsError(g), "'" + g +
                                "' (gzip) is not an IDX labels file: bad magic 0x3c68746d, "
                                "expected 0x00000801");
}

TEST_F(IdxTest, LabelsWhereImagesBelongAndViceVersa) {
  std::string l = writeRaw("l", labelFile(3, 3));
  EXPECT_EQ(imagesError(l), "'" + l +
                                "' holds IDX labels (magic 0x00000801), expected images "
                                "(0x00000803)");
  std::string i = writeRaw("i", imageFile(1, 1, 1, 1));
  EXPECT_HAS(labelsError(i), "holds IDX images (magic 0x00000803), expected labels");
}

TEST_F(IdxTest, UnsupportedElementTypeAndRank) {
  Bytes b;
  put32(b, 0x00000d03); // float images
  EXPECT_HAS(imagesError(writeRaw("f", b)), "element type 0x0d, only unsigned bytes");
  Bytes c;
  put32(c, 0x00000802);
  EXPECT_HAS(imagesError(writeRaw("r", c)), "IDX file of 2 dimensions");
}

TEST_F(IdxTest, ShortHeader) {
  std::string e = writeRaw("empty", Bytes{});
  EXPECT_EQ(imagesError(e), "'" + e + "' is too short for an IDX header: expected 4 bytes, got 0");
  Bytes b;
  put32(b, 0x00000803);
  put32(b, 2);
  EXPECT_HAS(imagesError(writeRaw("h", b)),
             "too short for an IDX header: expected 12 bytes, got 4");
}

TEST_F(IdxTest, Truncated) {
  std::string p = writeRaw("t", imageFile(3, 2, 2, 10));
  EXPECT_EQ(imagesError(p), "'" + p + "' is truncated: expected 12 bytes of pixels, got 10");
  EXPECT_HAS(labelsError(writeRaw("tl", labelFile(5, 2))),
             "is truncated: expected 5 bytes of labels, got 2");
}

TEST_F(IdxTest, TruncatedGzipStream) {
  // Incompressible payload, so that cutting the file cuts the pixels.
  Bytes img = imageFile(100, 10, 10, 0);
  for (int i = 0; i < 10000; ++i)
    img.push_back(uint8_t((uint32_t(i) * 2654435761u) >> 24));
  Bytes gz = readAll(writeGz("full.gz", img));
  std::string p = writeRaw("cut.gz", Bytes(gz.begin(), gz.begin() + long(gz.size() / 2)));
  std::string err = imagesError(p);
  EXPECT_HAS(err, "' (gzip) is truncated: expected 10000 bytes of pixels, got ");
  EXPECT_HAS(err, "the gzip stream ends early");
  // Only the gzip trailer (CRC and length) missing: the data is complete.
  std::string q = writeRaw("notrailer.gz", Bytes(gz.begin(), gz.end() - 8));
  EXPECT_HAS(imagesError(q), "the gzip stream ends early");
}

TEST_F(IdxTest, CorruptGzipData) {
  // A damaged CRC, in a small file (caught on the first read) and in one
  // whose data is read before the trailer is checked.
  for (size_t size : {size_t(1024), size_t(1) << 20}) {
    Bytes gz = readAll(writeGz("ok.gz", imageFile(1, 1024, uint32_t(size / 1024), size)));
    gz[gz.size() - 6] ^= 0xff;
    std::string p = writeRaw("bad.gz", gz);
    EXPECT_EQ(imagesError(p), "'" + p + "' (gzip) has corrupt gzip data (incorrect data check)");
  }
  // Damaged deflate data.
  Bytes gz = readAll(writeGz("ok2.gz", imageFile(2, 4, 4, 32)));
  gz[12] ^= 0x55;
  gz[13] ^= 0xaa;
  std::string p = writeRaw("bad2.gz", gz);
  std::string err = imagesError(p);
  EXPECT_HAS(err, "' (gzip) ");
  EXPECT_TRUE(err.find("corrupt gzip data") != std::string::npos ||
              err.find("truncated") != std::string::npos || err.find("magic") != std::string::npos)
      << err;
}

TEST_F(IdxTest, TrailingGarbage) {
  std::string p = writeRaw("g", imageFile(3, 2, 2, 17));
  EXPECT_EQ(imagesError(p),
            "'" + p + "' has trailing garbage: 5 bytes after the 12 bytes of pixels");
  EXPECT_HAS(labelsError(writeGz("g.gz", labelFile(3, 4))),
             "(gzip) has trailing garbage: 1 bytes after the 3 bytes of labels");
}

TEST_F(IdxTest, AbsurdDimensions) {
  EXPECT_HAS(imagesError(writeRaw("a", imageFile(0xffffffff, 28, 28, 0))),
             "has absurd dimensions 4294967295 x 28 x 28");
  EXPECT_HAS(imagesError(writeRaw("z", imageFile(10, 0, 28, 0))),
             "has absurd dimensions 10 x 0 x 28");
  EXPECT_HAS(imagesError(writeRaw("w", imageFile(10, 28, 100000, 0))), "absurd dimensions");
  EXPECT_HAS(imagesError(writeRaw("e", imageFile(0, 28, 28, 0))), "absurd dimensions 0 x");
  EXPECT_HAS(labelsError(writeRaw("l", labelFile(0, 0))), "absurd label count 0");
}

TEST_F(IdxTest, LabelCountMustMatchImageCount) {
  std::string i = writeRaw("i", imageFile(4, 2, 2, 16)), l = writeRaw("l", labelFile(3, 3));
  IdxImages im;
  IdxLabels lb;
  std::string err;
  EXPECT_FALSE(readIdxDataset(i, l, im, lb, err));
  EXPECT_EQ(err, "label count 3 in '" + l + "' does not match image count 4 in '" + i + "'");
}

TEST(FashionMnist, TrainLabels) {
  const std::string dir = "/usr/share/datasets/fashion-mnist/";
  std::ifstream probe(dir + "train-labels-idx1-ubyte.gz");
  if (!probe)
    GTEST_SKIP() << "Fashion-MNIST is not installed under " << dir;
  IdxLabels lb;
  std::string err;
  ASSERT_TRUE(readIdxLabels(dir + "train-labels-idx1-ubyte.gz", lb, err)) << err;
  EXPECT_EQ(lb.count, 60000);
  ASSERT_EQ(lb.labels.size(), 60000u);
  std::vector<int> perClass(10);
  for (uint8_t l : lb.labels) {
    ASSERT_LT(l, 10);
    ++perClass[l];
  }
  for (int c = 0; c < 10; ++c)
    EXPECT_EQ(perClass[size_t(c)], 6000) << "class " << c; // Fashion-MNIST is balanced
}

TEST(FashionMnist, TestSet) {
  const std::string dir = "/usr/share/datasets/fashion-mnist/";
  std::ifstream probe(dir + "t10k-images-idx3-ubyte.gz");
  if (!probe)
    GTEST_SKIP() << "Fashion-MNIST is not installed under " << dir;
  IdxImages im;
  IdxLabels lb;
  std::string err;
  ASSERT_TRUE(readIdxDataset(dir + "t10k-images-idx3-ubyte.gz", dir + "t10k-labels-idx1-ubyte.gz",
                             im, lb, err))
      << err;
  EXPECT_EQ(im.count, 10000);
  EXPECT_EQ(im.rows, 28);
  EXPECT_EQ(im.cols, 28);
}

} // namespace
