//===- Transforms.h - Per-example data transforms (SPEC 13) ---------------===//
//
// The transforms of a data pipeline that act on an example's image field, a
// float tensor [C, H, W] (channels first): scale, normalize, random_crop and
// mirror. (shuffle reorders examples; the Batcher does it.)
//
// Random transforms draw from Philox4x32-10, one block per example:
//
//   key     = the solver's seed
//   counter = (example, epoch, stream low, stream high) as 32-bit words
//
// where `example` is the example's index in its source (not its position in
// the shuffled epoch) and `stream` is fixed per transform (transformStream).
// A draw is thus a pure function of (seed, stream, epoch, example): the same
// on every machine and thread count, for any batch size, and after a resume.
//
//===----------------------------------------------------------------------===//
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace nnc {

enum class TransformKind { Scale, Normalize, RandomCrop, Mirror };

struct Transform {
  TransformKind kind = TransformKind::Scale;
  float factor = 1;             // scale
  std::vector<float> mean, std; // normalize: one value for every channel, or one per channel
  int64_t size = 0, pad = 0;    // random_crop
  uint64_t stream = 0;          // random_crop, mirror: the Philox stream of their draws

  static Transform scale(float factor);
  static Transform normalize(std::vector<float> mean, std::vector<float> std);
  /// `occurrence` counts earlier transforms of the same kind in the pipeline
  /// (0 for the first), so that two mirrors draw independently.
  static Transform randomCrop(int64_t size, int64_t pad, int occurrence = 0);
  static Transform mirror(int occurrence = 0);

  /// The name in the language: "scale", "normalize", "random_crop", "mirror".
  const char *name() const;
  bool random() const { return kind == TransformKind::RandomCrop || kind == TransformKind::Mirror; }
};

/// A transform's stream: stableHash("nnc.data.<name>") plus its occurrence.
uint64_t transformStream(const char *name, int occurrence);

/// The four words a random transform draws for one example.
struct TransformDraw {
  uint32_t w[4];
};
TransformDraw transformDraw(uint64_t seed, uint64_t stream, int64_t epoch, int64_t example);

/// random_crop's window in the padded example, [0, height + 2 pad - size] and
/// likewise for the width: top = w0 mod rows, left = w1 mod cols.
void cropOffsets(const TransformDraw &d, int64_t height, int64_t width, int64_t size, int64_t pad,
                 int64_t &top, int64_t &left);
/// mirror flips when the top bit of w0 is set (probability 1/2).
inline bool mirrorFlips(const TransformDraw &d) { return (d.w[0] >> 31) != 0; }

// The kernels, on one example [C, H, W] (row-major).

void scaleExample(float *x, int64_t n, float factor);
/// (x - mean[c]) / std[c]; a list of one value applies to every channel.
void normalizeExample(float *x, int64_t channels, int64_t plane, const std::vector<float> &mean,
                      const std::vector<float> &std);
/// out [C, size, size] = the window at (top, left) of x padded with `pad` zeros
/// on each side of height and width; top and left index the padded example.
void cropExample(const float *x, int64_t channels, int64_t height, int64_t width, int64_t pad,
                 int64_t size, int64_t top, int64_t left, float *out);
/// Reverses the width axis in place.
void mirrorExample(float *x, int64_t channels, int64_t height, int64_t width);

/// The per-example transforms of one split, checked against the shape of the
/// examples entering them.
class ExamplePipeline {
public:
  /// Fails with a message naming the transform when it does not fit the
  /// shape flowing into it: random_crop and mirror need [C, H, W], a crop
  /// must fit the padded example, normalize needs one value or one per
  /// channel and a nonzero std.
  bool init(std::vector<int64_t> inShape, std::vector<Transform> transforms, std::string &error);

  const std::vector<int64_t> &inShape() const { return in_; }
  const std::vector<int64_t> &outShape() const { return out_; }
  int64_t inSize() const { return numel(in_); }
  int64_t outSize() const { return numel(out_); }
  /// Floats the largest intermediate example needs.
  int64_t maxSize() const { return max_; }
  /// Whether every transform works in place (no crop): then apply() needs
  /// no scratch and `x` needs room for inSize() floats only.
  bool inPlace() const { return inPlace_; }
  const std::vector<Transform> &transforms() const { return ts_; }

  /// Transforms example `example` of `epoch`. `x` holds the source example
  /// and has room for maxSize() floats; `scratch` too (unused when
  /// inPlace()). On return the result is in x. Thread-safe (const).
  void apply(float *x, float *scratch, uint64_t seed, int64_t epoch, int64_t example) const;

  static int64_t numel(const std::vector<int64_t> &shape);

private:
  std::vector<int64_t> in_, out_;
  std::vector<Transform> ts_;
  std::vector<std::vector<int64_t>> shapes_; // the shape entering each transform
  int64_t max_ = 0;
  bool inPlace_ = true;
};

/// "[1, 28, 28]"
std::string shapeText(const std::vector<int64_t> &shape);

} // namespace nnc
