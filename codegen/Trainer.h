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

/// The learning rate `lr` (its numbers times its policies' factors, SPEC 12) gives at
/// iteration `it` (completed steps, from 0).
double learningRate(const Value &lr, int64_t it);

} // namespace nnc
