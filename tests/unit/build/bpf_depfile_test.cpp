// Editing a header under bpf/ or include/ must rebuild the BPF object: CMake relies on clang's
// depfile for that, so the depfile must name every project header the object includes.
#include <gtest/gtest.h>

#include <string>

#include "system.h"

namespace {

TEST(BuildDeps, BpfDepfileListsSharedHeaders) {
	std::string dep = egress::testlib::read_file(EGRESS_BPF_DEPFILE);
	ASSERT_FALSE(dep.empty()) << "no depfile at " << EGRESS_BPF_DEPFILE;
	for (const char* header : {"/include/egress/abi.h", "/bpf/lib/maps.h"}) {
		EXPECT_NE(dep.find(std::string(EGRESS_SOURCE_DIR) + header), std::string::npos)
		    << header << " missing from " << EGRESS_BPF_DEPFILE;
	}
}

} // namespace
