//===- nnc-opt.cpp - The pass driver of nnc's IR tests ---------------------===//
//
// Like mlir-opt, with the nn dialect, the upstream dialects nnc uses and every
// nnc pass; RegisterNNC.h says which.
//
//===----------------------------------------------------------------------===//
#include "tools/RegisterNNC.h"

#include "mlir/Tools/mlir-opt/MlirOptMain.h"

int main(int argc, char **argv) {
  mlir::DialectRegistry registry;
  nnc::registerDialects(registry);
  nnc::registerPasses();
  return mlir::asMainReturnCode(mlir::MlirOptMain(argc, argv, "nnc pass driver\n", registry));
}
