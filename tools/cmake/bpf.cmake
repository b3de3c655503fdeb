# Compiles BPF C into objects and embeds them into C++ through bpftool skeletons.
#
#   egress_bpf_skeleton(<name>)   bpf/<name>.bpf.c -> <name>.bpf.o -> <name>.skel.h
#
# creates the INTERFACE target `bpf_<name>_skel`: link it to get `#include "<name>.skel.h"`
# (plus libbpf), which declares `struct <name>_bpf` (C++: <name>_bpf::open_and_load()). The object lives only inside the skeleton header; nothing is loaded from a path
# at run time and nothing generated is committed. clang's depfile makes edits to any header
# under bpf/ or include/ rebuild the object.

find_program(EGRESS_CLANG NAMES clang-14 clang)
find_program(EGRESS_LLVM_STRIP NAMES llvm-strip-14 llvm-strip)
find_program(EGRESS_BPFTOOL NAMES bpftool PATHS /usr/sbin /sbin)

if(NOT EGRESS_CLANG)
  message(FATAL_ERROR "clang not found: BPF programs need clang >= 14 (run tools/install-deps.sh)")
endif()
execute_process(COMMAND ${EGRESS_CLANG} -dumpversion OUTPUT_VARIABLE _clang_version
                OUTPUT_STRIP_TRAILING_WHITESPACE)
if(_clang_version VERSION_LESS 14)
  message(FATAL_ERROR "clang ${_clang_version} at ${EGRESS_CLANG} is too old: need >= 14 for BPF")
endif()
if(NOT EGRESS_LLVM_STRIP)
  message(FATAL_ERROR "llvm-strip not found (package llvm; run tools/install-deps.sh)")
endif()
if(NOT EGRESS_BPFTOOL)
  message(FATAL_ERROR "bpftool not found: it generates the libbpf skeletons (package bpftool; run tools/install-deps.sh)")
endif()
execute_process(COMMAND ${EGRESS_BPFTOOL} version OUTPUT_VARIABLE _bpftool_version ERROR_QUIET)
string(REGEX MATCH "v([0-9]+\\.[0-9]+)" _m "${_bpftool_version}")
if(NOT CMAKE_MATCH_1 OR CMAKE_MATCH_1 VERSION_LESS 5.15)
  message(FATAL_ERROR "bpftool at ${EGRESS_BPFTOOL} is too old or unusable ('${_bpftool_version}'): need >= 5.15 for C++ skeletons")
endif()

# Kernel UAPI headers from linux-libc-dev; asm/ lives under the multiarch directory.
execute_process(COMMAND ${CMAKE_C_COMPILER} -print-multiarch OUTPUT_VARIABLE _multiarch
                OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
if(CMAKE_SYSTEM_PROCESSOR MATCHES "x86_64")
  set(_bpf_arch x86)
elseif(CMAKE_SYSTEM_PROCESSOR MATCHES "aarch64")
  set(_bpf_arch arm64)
else()
  set(_bpf_arch ${CMAKE_SYSTEM_PROCESSOR})
endif()
set(EGRESS_BPF_CFLAGS -target bpf -O2 -g -Wall -Wextra -Wno-unused-parameter
    -D__TARGET_ARCH_${_bpf_arch} -I${CMAKE_SOURCE_DIR}/include -I${CMAKE_SOURCE_DIR}/bpf
    -idirafter /usr/include/${_multiarch})
if(EGRESS_WERROR)
  list(APPEND EGRESS_BPF_CFLAGS -Werror)
endif()

function(egress_bpf_skeleton name)
  set(src ${CMAKE_SOURCE_DIR}/bpf/${name}.bpf.c)
  set(outdir ${CMAKE_BINARY_DIR}/bpf-gen)
  set(obj ${outdir}/${name}.bpf.o)
  set(dep ${outdir}/${name}.bpf.d)
  set(skel ${outdir}/${name}.skel.h)
  file(MAKE_DIRECTORY ${outdir})
  add_custom_command(
    OUTPUT ${obj}
    COMMAND ${EGRESS_CLANG} ${EGRESS_BPF_CFLAGS} -MD -MF ${dep} -MT ${obj} -c ${src} -o ${obj}.full
    # Keep BTF (.BTF/.BTF.ext), drop DWARF: the skeleton embeds the object, keep it small.
    COMMAND ${EGRESS_LLVM_STRIP} -g ${obj}.full -o ${obj}
    DEPENDS ${src}
    DEPFILE ${dep}
    COMMENT "BPF ${name}.bpf.c"
    VERBATIM)
  add_custom_command(
    OUTPUT ${skel}
    COMMAND ${EGRESS_BPFTOOL} gen skeleton ${obj} name ${name}_bpf > ${skel}.tmp
    COMMAND ${CMAKE_COMMAND} -E rename ${skel}.tmp ${skel}
    DEPENDS ${obj}
    COMMENT "skeleton ${name}.skel.h"
    VERBATIM)
  add_custom_target(bpf_${name}_gen DEPENDS ${skel})
  add_library(bpf_${name}_skel INTERFACE)
  add_dependencies(bpf_${name}_skel bpf_${name}_gen)
  target_include_directories(bpf_${name}_skel INTERFACE ${outdir})
  target_link_libraries(bpf_${name}_skel INTERFACE PkgConfig::LIBBPF egress_abi)
endfunction()
