// Property test: the kernel's hash-based lookup (KernelNameTable over rule_entries) decides
// exactly what NameMatcher decides, and both agree with a brute-force oracle built on matches():
// same rule, and the ports of the hit are the union of every matching pattern's ports.
#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <set>

#include "dns/name_match.h"
#include "dns/name_rules.h"

namespace egress::dns {
namespace {

// A small vocabulary, so that patterns and names overlap a lot; includes the near-misses.
const char* const kLabels[] = {"com",       "github", "evil-github", "api",     "a",   "b",
                               "hcp",       "eastus", "azmk8s",      "io",      "x-1", "_tcp",
                               "microsoft", "blob",   "core",        "windows", "net"};

std::string random_case(std::mt19937& rng, std::string s) {
	for (char& c : s)
		if (c >= 'a' && c <= 'z' && rng() % 3 == 0)
			c = static_cast<char>(c - 32);
	return s;
}

std::vector<std::string> random_labels(std::mt19937& rng, size_t min, size_t max) {
	size_t n = min + rng() % (max - min + 1);
	std::vector<std::string> out;
	for (size_t i = 0; i < n; ++i)
		out.emplace_back(kLabels[rng() % std::size(kLabels)]);
	return out;
}

std::string join(const std::vector<std::string>& l, size_t from = 0) {
	std::string s;
	for (size_t i = from; i < l.size(); ++i)
		s += (i > from ? "." : "") + l[i];
	return s;
}

// The specificity order of name_match.h, written directly: exact beats everything; then the
// longer suffix; for the same suffix "*." beats "**.".
int specificity(const Pattern& p) {
	if (p.kind() == PatternKind::exact)
		return 1000;
	return static_cast<int>(p.suffix_labels()) * 2 + (p.kind() == PatternKind::wildcard_one ? 1 : 0);
}

TEST(DnsKernelAgreement, KernelLookupEqualsMatcherOnGeneratedNames) {
	std::mt19937 rng(20261121);
	size_t compared = 0, matched = 0, exact_hits = 0, one_hits = 0, many_hits = 0;
	for (int trial = 0; trial < 300; ++trial) {
		const uint64_t key = rng();
		std::vector<Pattern> patterns;
		std::vector<std::vector<std::string>> suffixes;
		size_t np = 1 + rng() % 12;
		for (size_t i = 0; i < np; ++i) {
			auto labels = random_labels(rng, 1, 4);
			static const char* const kPrefix[] = {"", "*.", "**."};
			std::string text = kPrefix[rng() % 3] + random_case(rng, join(labels));
			if (rng() % 4 == 0)
				text += ".";
			auto p = Pattern::parse(text);
			ASSERT_TRUE(p.ok()) << text;
			patterns.push_back(*p);
			suffixes.push_back(labels);
		}

		NameMatcher matcher;
		std::vector<NameRuleInput> inputs;
		std::vector<uint16_t> port_of; // by matcher index
		for (const auto& p : patterns) {
			size_t idx = matcher.add(p);
			egress_port_range r{};
			r.proto = EGRESS_PROTO_TCP;
			r.port_lo = r.port_hi = static_cast<uint16_t>(1000 + 2 * idx); // spaced: never merged
			inputs.push_back({p, static_cast<uint32_t>(idx), {r}});
			if (idx == port_of.size())
				port_of.push_back(r.port_lo);
		}
		auto entries = rule_entries(inputs, key);
		ASSERT_TRUE(entries.ok()) << entries.error().to_string();
		KernelNameTable table(*entries, key);

		// Names: random ones, and for each pattern its bare domain, one and two labels above it,
		// and the "evil-" neighbour that is not label-aligned.
		std::vector<std::string> names;
		for (int i = 0; i < 20; ++i)
			names.push_back(join(random_labels(rng, 1, 6)));
		for (const auto& s : suffixes) {
			std::string d = join(s);
			names.push_back(d);
			names.push_back("x." + d);
			names.push_back("x.y." + d);
			names.push_back("evil-" + d);
			names.push_back("x.evil-" + d);
		}
		for (auto& n : names) {
			n = random_case(rng, n);
			if (rng() % 3 == 0)
				n += ".";

			auto want = matcher.match(n);
			auto got = table.match(n);
			ASSERT_EQ(want.has_value(), got.has_value()) << n;

			// Oracle: the most specific of all patterns that match.
			std::optional<size_t> best;
			std::set<uint16_t> ports;
			for (size_t i = 0; i < matcher.size(); ++i) {
				const Pattern& p = matcher.patterns()[i];
				if (!matches(p, n))
					continue;
				ports.insert(port_of[i]);
				if (!best || specificity(p) > specificity(matcher.patterns()[*best]))
					best = i;
			}
			ASSERT_EQ(best.has_value(), want.has_value()) << n;
			++compared;
			if (!want)
				continue;
			++matched;
			EXPECT_EQ(*best, want->rule) << n;
			EXPECT_EQ(got->rule_id, want->rule) << n;
			EXPECT_EQ(got->kind, static_cast<uint8_t>(want->pattern.kind())) << n;
			std::set<uint16_t> got_ports;
			for (int r = 0; r < got->ports.n_ranges; ++r)
				got_ports.insert(got->ports.ranges[r].port_lo);
			EXPECT_EQ(got_ports, ports) << n;
			exact_hits += want->pattern.kind() == PatternKind::exact;
			one_hits += want->pattern.kind() == PatternKind::wildcard_one;
			many_hits += want->pattern.kind() == PatternKind::wildcard_many;
		}
		EXPECT_EQ(table.collisions(), 0u);
	}
	// Not vacuous: thousands of names, a good share matched, every kind exercised.
	EXPECT_GT(compared, 5000u);
	EXPECT_GT(matched, compared / 8);
	EXPECT_GT(exact_hits, 100u);
	EXPECT_GT(one_hits, 100u);
	EXPECT_GT(many_hits, 100u);
	std::printf("compared %zu names, %zu matched (exact %zu, *. %zu, **. %zu)\n", compared, matched,
	            exact_hits, one_hits, many_hits);
}

} // namespace
} // namespace egress::dns
