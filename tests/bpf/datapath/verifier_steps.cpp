#include "verifier_steps.h"

#include <gtest/gtest.h>

#include <bpf/libbpf.h>
#include <linux/bpf.h>

#include <charconv>
#include <map>

#include "egress.skel.h"
#include "kernel/libbpf_handles.h"

namespace egress::testlib {

std::optional<uint32_t> parse_processed_insns(std::string_view log) {
	constexpr std::string_view kTag = "processed ";
	for (size_t at = log.find(kTag); at != std::string_view::npos; at = log.find(kTag, at + 1)) {
		std::string_view rest = log.substr(at + kTag.size());
		uint32_t n = 0;
		auto [end, ec] = std::from_chars(rest.data(), rest.data() + rest.size(), n);
		if (ec == std::errc() &&
		    std::string_view(end, rest.data() + rest.size()).starts_with(" insns"))
			return n;
	}
	return std::nullopt;
}

std::vector<VerifierSteps> verifier_steps(const kernel::Datapath& dp) {
	std::vector<VerifierSteps> out;
	auto progs = dp.programs();
	EXPECT_TRUE(progs.ok()) << progs.error().to_string();
	if (!progs.ok())
		return out;
	for (const auto& p : *progs)
		out.push_back({p.name, p.verified_insns, std::nullopt});

	kernel::UniqueSkeleton<egress_bpf> skel(egress_bpf::open());
	EXPECT_TRUE(skel) << "opening the object a second time";
	if (!skel)
		return out;
	// The same load-time settings, so the verifier walks the same code (probed features included).
	*skel->rodata = *dp.skeleton()->rodata;
	std::map<std::string, std::string> logs;
	bpf_program* p;
	bpf_object__for_each_program(p, skel->obj) {
		auto& buf = logs[bpf_program__name(p)];
		buf.assign(64u << 10, '\0');
		bpf_program__set_log_buf(p, buf.data(), buf.size());
		bpf_program__set_log_level(p, 4); // BPF_LOG_STATS: the summary lines only
	}
	int err = egress_bpf::load(skel.get());
	EXPECT_EQ(err, 0) << "loading the object with the verifier's statistics log";
	for (auto& s : out)
		if (auto it = logs.find(s.name); it != logs.end())
			s.log_processed = parse_processed_insns(it->second.c_str());
	return out;
}

} // namespace egress::testlib
