//===- VjpInterface.td - Vector-Jacobian products ---------------*- tablegen -*-===//
#ifndef NNC_VJP_INTERFACE
#define NNC_VJP_INTERFACE

include "mlir/IR/OpBase.td"

def VjpOpInterface : OpInterface<"VjpOpInterface"> {
  let cppNamespace = "::nnc::nn";
  let description = [{
    An op that autodiff can differentiate: given the gradients of its results
    (null for a result that receives none), it builds nn ops computing the
    gradient of each operand (null for an operand that gets none, such as
    labels). Autodiff itself knows no op by name.
  }];
  let methods = [
    InterfaceMethod<"Builds the gradients of the operands.",
      "::llvm::SmallVector<::mlir::Value>", "buildVjp",
      (ins "::mlir::OpBuilder &":$builder, "::mlir::ValueRange":$resultGrads)>,
  ];
}

#endif // NNC_VJP_INTERFACE
