#include "audit/registry.h"

#include <charconv>
#include <cmath>

namespace egress::audit {

std::string_view metric_type_name(MetricType type) {
	return type == MetricType::counter ? "counter" : "gauge";
}

bool valid_metric_name(std::string_view name) {
	if (name.empty())
		return false;
	for (size_t i = 0; i < name.size(); ++i) {
		char c = name[i];
		bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':';
		if (!alpha && !(i > 0 && c >= '0' && c <= '9'))
			return false;
	}
	return true;
}

bool valid_label_name(std::string_view name) {
	// Colons are reserved for metric names; "__" prefixes for Prometheus itself.
	if (name.find(':') != std::string_view::npos || name.substr(0, 2) == "__")
		return false;
	return valid_metric_name(name);
}

std::string escape_label_value(std::string_view value) {
	std::string out;
	out.reserve(value.size());
	for (char c : value) {
		if (c == '\\')
			out += "\\\\";
		else if (c == '"')
			out += "\\\"";
		else if (c == '\n')
			out += "\\n";
		else
			out += c;
	}
	return out;
}

std::string escape_help(std::string_view help) {
	std::string out;
	out.reserve(help.size());
	for (char c : help) {
		if (c == '\\')
			out += "\\\\";
		else if (c == '\n')
			out += "\\n";
		else
			out += c;
	}
	return out;
}

std::string format_value(double v) {
	if (std::isnan(v))
		return "NaN";
	if (std::isinf(v))
		return v > 0 ? "+Inf" : "-Inf";
	// Counts are integers; print them as such (2^53 is where doubles stop being exact).
	if (v == std::floor(v) && std::fabs(v) < 9007199254740992.0)
		return std::to_string(static_cast<long long>(v));
	char buf[64];
	auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), v);
	if (ec != std::errc())
		return "NaN";
	return std::string(buf, end);
}

bool Registry::describe(std::string name, MetricType type, std::string help) {
	if (!valid_metric_name(name))
		return false;
	std::lock_guard lock(mu_);
	auto& f = families_[std::move(name)];
	f.type = type;
	f.help = std::move(help);
	return true;
}

Registry::Family* Registry::family_locked(std::string_view name, const Labels& labels) {
	auto it = families_.find(name);
	if (it == families_.end())
		return nullptr;
	for (const auto& [k, v] : labels)
		if (!valid_label_name(k))
			return nullptr;
	return &it->second;
}

bool Registry::set(std::string_view name, const Labels& labels, double value) {
	std::lock_guard lock(mu_);
	Family* f = family_locked(name, labels);
	if (!f)
		return false;
	f->series[labels] = value;
	return true;
}

bool Registry::add(std::string_view name, const Labels& labels, double delta) {
	std::lock_guard lock(mu_);
	Family* f = family_locked(name, labels);
	if (!f)
		return false;
	f->series[labels] += delta;
	return true;
}

std::optional<double> Registry::get(std::string_view name, const Labels& labels) const {
	std::lock_guard lock(mu_);
	auto it = families_.find(name);
	if (it == families_.end())
		return std::nullopt;
	auto s = it->second.series.find(labels);
	if (s == it->second.series.end())
		return std::nullopt;
	return s->second;
}

std::string Registry::render() const {
	std::lock_guard lock(mu_);
	std::string out;
	for (const auto& [name, f] : families_) {
		out += "# HELP " + name + " " + escape_help(f.help) + "\n";
		out += "# TYPE " + name + " " + std::string(metric_type_name(f.type)) + "\n";
		for (const auto& [labels, value] : f.series) {
			out += name;
			if (!labels.empty()) {
				out += '{';
				bool first = true;
				for (const auto& [k, v] : labels) {
					if (!first)
						out += ',';
					first = false;
					out += k + "=\"" + escape_label_value(v) + "\"";
				}
				out += '}';
			}
			out += ' ' + format_value(value) + '\n';
		}
	}
	return out;
}

} // namespace egress::audit
