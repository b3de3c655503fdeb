// A small metrics registry rendered in the Prometheus text exposition format 0.0.4 (prometheus-cpp
// is not available on the build hosts, and counters and gauges with labels are all we need).
// Output is deterministic: families sorted by name, series by their label sets, labels by name,
// so tests compare it byte for byte. Thread-safe: the daemon updates from several threads while
// the HTTP endpoint renders.
#pragma once

#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

namespace egress::audit {

enum class MetricType { counter, gauge };

std::string_view metric_type_name(MetricType type);

// Label name -> value; std::map keeps them sorted by name as the output wants.
using Labels = std::map<std::string, std::string>;

class Registry {
public:
	// Declares a family. Names must match [a-zA-Z_:][a-zA-Z0-9_:]*; a second describe() of the
	// same name replaces the help and type. Returns false for an invalid name.
	bool describe(std::string name, MetricType type, std::string help);

	// Sets / adds to a series of a described family; false for an unknown family or an invalid
	// label name. Counters are set to absolute values when they mirror a kernel count.
	bool set(std::string_view name, const Labels& labels, double value);
	bool add(std::string_view name, const Labels& labels, double delta);

	std::optional<double> get(std::string_view name, const Labels& labels = {}) const;

	// The exposition text, ending in a newline. Families without series keep their HELP/TYPE.
	std::string render() const;

private:
	struct Family {
		MetricType type;
		std::string help;
		std::map<Labels, double> series;
	};
	Family* family_locked(std::string_view name, const Labels& labels);

	mutable std::mutex mu_;
	std::map<std::string, Family, std::less<>> families_;
};

// Exposition-format helpers, shared with the parser.
bool valid_metric_name(std::string_view name);
bool valid_label_name(std::string_view name);
std::string escape_label_value(std::string_view value); // \ " newline
std::string escape_help(std::string_view help);         // \ newline
std::string format_value(double value);                 // integers without ".0", +Inf, -Inf, NaN

} // namespace egress::audit
