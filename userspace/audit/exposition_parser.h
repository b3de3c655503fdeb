// Reads Prometheus text exposition (0.0.4) back into samples: used by the unit tests to round-trip
// the registry and by the e2e tests to check a scraped /metrics. Strict: anything the format does
// not allow is an Error naming the line, so a rendering bug cannot hide behind a lenient reader.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "audit/registry.h"
#include "common/result.h"

namespace egress::audit {

struct Sample {
	std::string name;
	Labels labels;
	double value = 0;
	std::optional<int64_t> timestamp_ms;
};

struct Exposition {
	std::map<std::string, std::string> types; // name -> counter|gauge|histogram|summary|untyped
	std::map<std::string, std::string> help;  // unescaped
	std::vector<Sample> samples;              // in input order

	// The value of one series (labels matched exactly), or nullopt.
	std::optional<double> value(std::string_view name, const Labels& labels = {}) const;
	// Sum over every series of a name whose labels include `subset`.
	double sum(std::string_view name, const Labels& subset = {}) const;
};

Result<Exposition> parse_exposition(std::string_view text);

} // namespace egress::audit
