// libFuzzer target: the Prometheus text exposition parser (it reads whatever a scraped /metrics
// endpoint returns, so its input is untrusted text).
//
// Invariants checked on every input, beyond "no crash, no out-of-bounds read" (ASan/UBSan):
//  1. every accepted sample has a valid metric name and valid label names, and no series
//     (name + labels) appears twice;
//  2. value() finds each accepted sample's value again, and sum() over a series' full label set
//     is that series' value when no other series of the name carries those labels too;
//  3. round trip: the accepted samples, set into an audit::Registry (counter or gauge families
//     keep their parsed TYPE, HELP texts are carried over), rendered and parsed again, give back
//     exactly the same series with the same values (NaN as NaN, -0 as 0), types and help texts.
//     Timestamps and histogram/summary/untyped TYPE lines are not carried: the registry has
//     no place for them.
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>
#include <string_view>
#include <utility>

#include "audit/exposition_parser.h"
#include "audit/registry.h"

using namespace egress::audit;

namespace {

[[noreturn]] void fail(const char* what, const std::string& detail = {}) {
	std::fprintf(stderr, "invariant violated: %s: %s\n", what, detail.c_str());
	std::abort();
}

bool same_value(double a, double b) {
	return (std::isnan(a) && std::isnan(b)) || a == b;
}

size_t matching_series(const Exposition& e, const Sample& s) {
	size_t n = 0;
	for (const auto& other : e.samples) {
		bool superset = other.name == s.name;
		for (const auto& [k, v] : s.labels) {
			auto it = other.labels.find(k);
			superset = superset && it != other.labels.end() && it->second == v;
		}
		n += superset;
	}
	return n;
}

using Series = std::map<std::pair<std::string, Labels>, double>;

Series series_of(const Exposition& e) {
	Series out;
	for (const auto& s : e.samples)
		if (!out.emplace(std::pair{s.name, s.labels}, s.value).second)
			fail("duplicate series accepted", s.name);
	return out;
}

void check_round_trip(const Exposition& parsed, const Series& series) {
	Registry registry;
	std::map<std::string, MetricType> types;
	std::map<std::string, std::string> help;
	auto declare = [&](const std::string& name) {
		if (types.count(name))
			return;
		auto t = parsed.types.find(name);
		types[name] = t != parsed.types.end() && t->second == "counter" ? MetricType::counter
		                                                                : MetricType::gauge;
		auto h = parsed.help.find(name);
		help[name] = h != parsed.help.end() ? h->second : "";
		if (!registry.describe(name, types[name], help[name]))
			fail("registry rejects a parsed metric name", name);
	};
	for (const auto& [key, value] : series) {
		declare(key.first);
		if (!registry.set(key.first, key.second, value))
			fail("registry rejects a parsed series", key.first);
	}
	for (const auto& [name, text] : parsed.help)
		declare(name);

	std::string text = registry.render();
	auto again = parse_exposition(text);
	if (!again.ok())
		fail("rendered registry does not parse", again.error().to_string() + "\n" + text);
	Series back = series_of(*again);
	if (back.size() != series.size())
		fail("round trip changed the number of series", text);
	for (const auto& [key, value] : series) {
		auto it = back.find(key);
		if (it == back.end())
			fail("round trip lost a series", key.first);
		if (!same_value(it->second, value))
			fail("round trip changed a value",
			     key.first + " " + format_value(value) + " -> " + format_value(it->second));
	}
	for (const auto& [name, type] : types) {
		auto t = again->types.find(name);
		if (t == again->types.end() || t->second != metric_type_name(type))
			fail("round trip changed a TYPE", name);
		auto h = again->help.find(name);
		if (h == again->help.end() || h->second != help[name])
			fail("round trip changed a HELP", name);
	}
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
	std::string_view text(reinterpret_cast<const char*>(data), size);
	auto parsed = parse_exposition(text);
	if (!parsed.ok()) {
		if (parsed.error().message().empty())
			fail("error without a message");
		return 0;
	}
	const Exposition& e = *parsed;
	for (const auto& s : e.samples) {
		if (!valid_metric_name(s.name))
			fail("bad metric name accepted", s.name);
		for (const auto& [k, v] : s.labels)
			if (!valid_label_name(k))
				fail("bad label name accepted", k);
		auto v = e.value(s.name, s.labels);
		if (!v || !same_value(*v, s.value))
			fail("value() does not find an accepted sample", s.name);
		// sum() over a series' full label set sees that series and any with more labels; when it
		// is alone, the sum is its value.
		if (matching_series(e, s) == 1 && !same_value(e.sum(s.name, s.labels), s.value))
			fail("sum() over one series differs from its value", s.name);
	}
	for (const auto& [name, type] : e.types)
		if (!valid_metric_name(name))
			fail("bad TYPE name accepted", name);
	check_round_trip(e, series_of(e));
	return 0;
}
