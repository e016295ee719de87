#include "ir/NNDialect.h"
#include "ir/NNOps.h"

using namespace mlir;
using namespace nnc::nn;

#include "ir/NNOpsDialect.cpp.inc"
#include "ir/VjpInterface.cpp.inc"

void NNDialect::initialize() {
  addOperations<
#define GET_OP_LIST
#include "ir/NNOps.cpp.inc"
      >();
}
