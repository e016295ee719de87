//===- NNDialect.td - The nn dialect ----------------------------*- tablegen -*-===//
#ifndef NNC_NN_DIALECT
#define NNC_NN_DIALECT

include "mlir/IR/OpBase.td"

def NN_Dialect : Dialect {
  let name = "nn";
  let cppNamespace = "::nnc::nn";
  let summary = "Neural-network ops on ranked tensors";
  let description = [{
    The ops of the .nn language on ranked tensors with value semantics, plus
    the explicit backward ops that autodiff emits where a vendor library has a
    backward primitive, and the solver updates. The batch is the only dynamic
    dimension (`?`) until the pipeline specializes it. Result types come from
    the same shape rules the front end checks with (frontend/shapes).
  }];
  let useDefaultAttributePrinterParser = 0;
  // nn.param / nn.state_of on function arguments name a parameter of the
  // argument's type; nn.state says which solver state an nn.state_of
  // argument holds ("velocity", "m", "s" or "b").
  let hasRegionArgAttrVerify = 1;
}

class NN_Op<string mnemonic, list<Trait> traits = []> : Op<NN_Dialect, mnemonic, traits>;

#endif // NNC_NN_DIALECT
