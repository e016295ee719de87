//===- Trainer.h - nnc train: compile, initialize, run the solver loop -----===//
#pragma once

#include "frontend/Diagnostics.h"
#include "frontend/Graph.h"

#include <iosfwd>
#include <string>
#include <vector>

namespace nnc {

struct TrainOptions {
  int64_t epochs = 0;       // 0: the solver section's
  int64_t seed = -1;        // -1: the solver section's
  int threads = 0;          // 0: all cores
  std::string dataDir;      // searched for bare data file names
  int64_t trainLimit = 0;   // use only the first N training examples (0: all)
  int64_t testLimit = 0;
  bool progress = true;     // a live progress line on terminals
  std::string savePath;     // nnc train --save: a checkpoint after each epoch
  std::string resumePath;   // nnc train --resume: continue from this checkpoint
  std::string weightsPath;  // nnc run --weights: saved parameters instead of fresh ones
  std::string cacheDir;     // compiled models are kept here (empty: no cache)
  std::string granularity = "auto"; // --granularity: ops the library has, without @coarse/@fine (SPEC 14)
  int64_t channelBlock = -1;         // --channel-block: PipelineOptions::channelBlock
};

struct TrainResult {
  double testAccuracy = -1, testLoss = 0, trainLoss = 0, imagesPerSecond = 0;
  std::vector<double> epochTrainLoss; // one per epoch this run trained (after a resume: the later ones)
};

/// Trains the single network of `program` as its solver and data sections
/// say; with `resumePath`, from a checkpoint's state and position on (the
/// same data order and learning rates as an uninterrupted run). Errors (data files, runtime failures, a non-finite loss) are
/// reported to `diags`; returns false then.
bool train(const std::string &file, const Program &program, DiagnosticEngine &diags,
           const TrainOptions &options, std::ostream &out, TrainResult &result);

/// Evaluates the network once, with freshly initialized parameters (or those
/// of the checkpoint `weightsPath`), on the
/// first `examples` examples of the test data (the training data without a
/// test split), through the JIT or the reference evaluator in double, and
/// prints every scalar output.
bool runOnce(const std::string &file, const Program &program, DiagnosticEngine &diags,
             const TrainOptions &options, int64_t examples, bool interp, std::ostream &out);

/// nnc eval: evaluates the network on its whole test split (the training
/// split without one) with the parameters of checkpoint `weightsPath`, in
/// batches of the solver's size (a smaller model for the remainder), and
/// prints each scalar output averaged over the examples and the images/s.
bool evaluateCheckpoint(const std::string &file, const Program &program, DiagnosticEngine &diags,
                        const TrainOptions &options, std::ostream &out);

/// nnc predict's own options (the checkpoint is TrainOptions::weightsPath).
struct PredictOptions {
  std::string inputPath;  // --input: IDX images, gzip-compressed or raw
  std::string labelsPath; // --labels: IDX labels of them (optional): the accuracy is printed
  std::string output;     // --output: the value to print ("": the classifier's logits)
  int64_t top = 1;        // --top: the best classes per line
  bool raw = false;       // --raw: a classifier's values instead of its classes
};

/// nnc predict: runs the single network of `program`, cut down to the value
/// to print (choosePrediction, pruneTo: no label input), with the parameters
/// of checkpoint `weightsPath` on the images of `inputPath` as nnc eval feeds
/// its split (the same transforms, in order, the last batch padded), and
/// writes one line per image to `lines` (predictionLine); the compile line,
/// progress, the accuracy with labels and a summary go to `log` (stderr).
bool predict(const std::string &file, const Program &program, DiagnosticEngine &diags, const TrainOptions &options,
             const PredictOptions &predict, std::ostream &lines, std::ostream &log);

/// nnc bench: times `iterations` training steps (after `warmup` untimed ones)
/// on synthetic data shaped like the inputs, batch `batch` (0: the solver's),
/// and prints the milliseconds per iteration of each layer's forward and
/// backward ops and of the solver's update, the totals and the images/s.
bool bench(const std::string &file, const Program &program, DiagnosticEngine &diags, const TrainOptions &options,
           int64_t batch, int64_t iterations, int64_t warmup, std::ostream &out);

/// The learning rate `lr` (its numbers times its policies' factors, SPEC 12) gives at
/// iteration `it` (completed steps, from 0).
double learningRate(const Value &lr, int64_t it);

} // namespace nnc
