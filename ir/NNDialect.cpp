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
  if (name == "nn.state") {
    // The kind of solver state an nn.state_of argument holds (SPEC 12).
    auto kind = dyn_cast<StringAttr>(attr.getValue());
    if (!kind || !llvm::is_contained(ArrayRef<StringRef>{"velocity", "m", "s", "b"}, kind.getValue()))
      return op->emitOpError() << "'nn.state' must be \"velocity\", \"m\", \"s\" or \"b\", got " << attr.getValue();
    if (!isa<FunctionOpInterface>(op) || !cast<FunctionOpInterface>(op).getArgAttr(argIndex, "nn.state_of"))
      return op->emitOpError() << "'nn.state' on argument " << argIndex << " needs 'nn.state_of'";
    return success();
  }
  if (name != "nn.param" && name != "nn.state_of") return success();
  if (name == "nn.state_of" && isa<FunctionOpInterface>(op) &&
      !cast<FunctionOpInterface>(op).getArgAttr(argIndex, "nn.state"))
    return op->emitOpError() << "'nn.state_of' on argument " << argIndex << " needs 'nn.state', the kind of state";
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
