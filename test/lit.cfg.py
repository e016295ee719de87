# lit configuration for nnc: `RUN:` lines call nnc, nnc-opt and FileCheck.
import os

import lit.formats

config.name = "nnc"
config.test_format = lit.formats.ShTest(execute_external=True)
config.suffixes = [".nn", ".mlir", ".test"]
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(config.nnc_obj_root, "test")
config.excludes = ["Inputs", "unit", "CMakeLists.txt", "lit.cfg.py", "lit.site.cfg.py"]

path = os.pathsep.join([config.nnc_tools_dir, config.llvm_tools_dir, config.environment.get("PATH", os.environ["PATH"])])
config.environment["PATH"] = path
config.environment["NNC_STDLIB_DIR"] = os.path.join(config.nnc_src_root, "stdlib")
config.substitutions.append(("%nnc_src", config.nnc_src_root))
config.substitutions.append(("%examples", os.path.join(config.nnc_src_root, "examples")))
# Compiled models go to a cache inside the build tree, never the user's.
config.environment["NNC_CACHE_DIR"] = os.path.join(config.nnc_obj_root, "test", "nnc-cache")
