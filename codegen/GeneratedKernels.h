//===- GeneratedKernels.h - conv2d, max_pool and dense as loops -*- C++ -*-===//
//
// The fine path of nn-lower-cpu (SPEC 14 `@fine`): conv2d, max_pool, dense
// and their backward ops as scf loops on memrefs, beside the coarse path's
// oneDNN calls. Every function emits at the builder's insertion point and
// takes statically shaped memrefs: x [N, C, H, W], w [O, C/groups, kh, kw],
// y [N, O, Ho, Wo] for conv2d; x [N, C, H, W], y [N, C, Ho, Wo] for
// max_pool; x [N, K], w [O, K], y [N, O] for dense. A null bias (gradient)
// means the op has none.
//
//===----------------------------------------------------------------------===//
#pragma once

#include "mlir/IR/Builders.h"

namespace nnc::cpu {

/// conv2d's attributes beyond the shapes.
struct ConvAttrs {
  int64_t sh, sw, ph, pw, dh, dw, groups;
};

/// max_pool's attributes beyond the shapes (ceil rounding is in the output's shape).
struct PoolAttrs {
  int64_t kh, kw, sh, sw, ph, pw;
};

/// y = bias + the cross-correlation of zero-padded x with w.
void buildConv2d(mlir::OpBuilder &b, mlir::Location l, mlir::Value x, mlir::Value w, mlir::Value bias, mlir::Value y,
                 const ConvAttrs &a);
/// dx = the transposed convolution of dy with w.
void buildConv2dBackwardData(mlir::OpBuilder &b, mlir::Location l, mlir::Value dy, mlir::Value w, mlir::Value dx,
                             const ConvAttrs &a);
/// dw = the correlation of x with dy; db = dy summed over N, Ho and Wo.
void buildConv2dBackwardFilter(mlir::OpBuilder &b, mlir::Location l, mlir::Value x, mlir::Value dy, mlir::Value dw,
                               mlir::Value db, const ConvAttrs &a);

/// y = the maximum of each window's cells inside x (padding never wins).
/// Each of x and y (dy and dx) is NCHW or channel-blocked, [N, C/B, H, W, B]
/// with its padded channels zero; the blocked ones share B.
void buildMaxPool(mlir::OpBuilder &b, mlir::Location l, mlir::Value x, mlir::Value y, const PoolAttrs &a);
/// dx = each dy added at its window's argmax, recomputed from x: the first
/// maximum in scan order, a NaN wins (as ir/reference/Kernels.cpp).
void buildMaxPoolBackward(mlir::OpBuilder &b, mlir::Location l, mlir::Value x, mlir::Value dy, mlir::Value dx,
                          const PoolAttrs &a);

/// y = x w^T + bias.
void buildDense(mlir::OpBuilder &b, mlir::Location l, mlir::Value x, mlir::Value w, mlir::Value bias, mlir::Value y);
/// dx = dy w.
void buildDenseBackwardData(mlir::OpBuilder &b, mlir::Location l, mlir::Value dy, mlir::Value w, mlir::Value dx);
/// dw = dy^T x; db = dy summed over N.
void buildDenseBackwardWeights(mlir::OpBuilder &b, mlir::Location l, mlir::Value x, mlir::Value dy, mlir::Value dw,
                               mlir::Value db);

} // namespace nnc::cpu
