#include "ir/NNDialect.h"
#include "ir/NNOps.h"

#include "mlir/Interfaces/FunctionInterfaces.h"

using namespace mlir;
using namespace nnc::nn;

#include "ir/NNOpsDialect.cpp.inc"
#include "ir/VjpInterface.cpp.inc"

LogicalResult NNDialect::verifyRegionArgAttribute(Operation *op, unsigned region, unsigned argIndex,
                                                 NamedAttribute attr) {
  StringRef name = attr.getName().getValue();
  if (name != "nn.param" && name != "nn.velocity_of") return success();
  auto sym = dyn_cast<FlatSymbolRefAttr>(attr.getValue());
  if (!sym) return op->emitOpError() << "'" << name << "' must name an nn.parameter";
  auto param = SymbolTable::lookupNearestSymbolFrom<ParameterOp>(op, sym);
  if (!param) return op->emitOpError() << "'" << name << "' names " << sym << ", which is not an nn.parameter";
  Type argType;
  if (auto fn = dyn_cast<FunctionOpInterface>(op)) argType = fn.getArgumentTypes()[argIndex];
  else argType = op->getRegion(region).getArgument(argIndex).getType();
  if (argType != param.getType())
    return op->emitOpError() << "'" << name << "': argument " << argIndex << " has type " << argType << ", but " << sym
                             << " is " << param.getType();
  return success();
}

void NNDialect::initialize() {
  addOperations<
#define GET_OP_LIST
#include "ir/NNOps.cpp.inc"
      >();
}
