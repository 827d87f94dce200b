# CMake toolchain file for building MPI programs to wasm32-wasi with wasmpi:
#
#   cmake -DCMAKE_TOOLCHAIN_FILE=/path/to/wasmpi/abi/cmake/wasmpi-toolchain.cmake ..
#
# Needs `wasmpicc` and `wasmpicxx` on PATH: symlinks to the `wasmpi` binary, which acts
# as `wasmpi cc` / `wasmpi c++` under those names:
#
#   ln -s "$(command -v wasmpi)" ~/bin/wasmpicc
#   ln -s "$(command -v wasmpi)" ~/bin/wasmpicxx
#
# MPI comes from wasmpi's own mpi.h, which the compiler wrappers add: do not use
# find_package(MPI); link nothing for MPI. The result is a .wasm module: compile it with
# `wasmpi compile` and run it with `mpirun ... wasmpirun app.wasm`.
set(CMAKE_SYSTEM_NAME WASI)
set(CMAKE_SYSTEM_VERSION 1)
set(CMAKE_SYSTEM_PROCESSOR wasm32)
set(CMAKE_C_COMPILER wasmpicc)
set(CMAKE_CXX_COMPILER wasmpicxx)
set(CMAKE_C_COMPILER_TARGET wasm32-wasi)
set(CMAKE_CXX_COMPILER_TARGET wasm32-wasi)
set(CMAKE_EXECUTABLE_SUFFIX_C ".wasm")
set(CMAKE_EXECUTABLE_SUFFIX_CXX ".wasm")
# The compilers cannot run what they build: try_compile builds a static library instead.
set(CMAKE_TRY_COMPILE_TARGET_TYPE STATIC_LIBRARY)
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
