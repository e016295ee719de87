//===- Host.h - The runtime's C++ API for host programs (nnc train) -------===//
//
// Generated code uses only the C ABI in Runtime.h; the driver also uses these.
//
//===----------------------------------------------------------------------===//
#pragma once

#include "runtime/Batcher.h"
#include "runtime/Idx.h"
#include "runtime/Init.h"
#include "runtime/Philox.h"
#include "runtime/Prefetcher.h"
#include "runtime/Runtime.h"
