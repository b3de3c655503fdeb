# Script mode (cmake -DINPUT=... -DOUTPUT=... -P embed.cmake): writes a .cpp holding INPUT as one
# raw string literal, so the binaries carry the catalog without reading any file at run time.
# Rewrites OUTPUT only when its content changes (keeps incremental builds quiet).
file(READ "${INPUT}" data)
set(delim "egresscat")
string(FIND "${data}" ")${delim}\"" clash)
if(NOT clash EQUAL -1)
  message(FATAL_ERROR "${INPUT} contains the raw-string delimiter ')${delim}\"': pick another delimiter in embed.cmake")
endif()
set(content "// Generated from ${INPUT} by embed.cmake at build time. Do not edit.
#include \"catalog/catalog.h\"

namespace egress::catalog {

std::string_view embedded_json() {
	static constexpr std::string_view kJson = R\"${delim}(${data})${delim}\";
	return kJson;
}

} // namespace egress::catalog
")
if(EXISTS "${OUTPUT}")
  file(READ "${OUTPUT}" old)
  if(old STREQUAL content)
    return()
  endif()
endif()
file(WRITE "${OUTPUT}" "${content}")
