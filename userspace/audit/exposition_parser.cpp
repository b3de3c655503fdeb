#include "audit/exposition_parser.h"

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <set>

namespace egress::audit {
namespace {

bool is_name_char(char c, bool first) {
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':' ||
	       (!first && c >= '0' && c <= '9');
}

// A cursor over one line; every consume_* returns false instead of reading past the end.
struct Cursor {
	std::string_view s;
	size_t i = 0;

	bool done() const { return i >= s.size(); }
	char peek() const { return done() ? '\0' : s[i]; }
	bool eat(char c) {
		if (peek() != c)
			return false;
		++i;
		return true;
	}
	std::string_view name() {
		size_t start = i;
		while (!done() && is_name_char(s[i], i == start))
			++i;
		return s.substr(start, i - start);
	}
	std::string_view until_space() {
		size_t start = i;
		while (!done() && s[i] != ' ' && s[i] != '\t')
			++i;
		return s.substr(start, i - start);
	}
	bool blanks() { // one or more
		size_t start = i;
		while (!done() && (s[i] == ' ' || s[i] == '\t'))
			++i;
		return i > start;
	}
};

std::optional<double> parse_float(std::string_view t) {
	if (t == "+Inf" || t == "Inf")
		return INFINITY;
	if (t == "-Inf")
		return -INFINITY;
	if (t == "NaN")
		return NAN;
	if (t.empty())
		return std::nullopt;
	std::string copy(t);
	// strtod would also take "inf", "nan", hex floats and leading spaces: only plain decimals here.
	for (char c : copy)
		if (!((c >= '0' && c <= '9') || c == '.' || c == 'e' || c == 'E' || c == '+' || c == '-'))
			return std::nullopt;
	char* end = nullptr;
	errno = 0;
	double v = std::strtod(copy.c_str(), &end);
	if (end != copy.c_str() + copy.size() || errno == ERANGE)
		return std::nullopt;
	return v;
}

std::optional<int64_t> parse_int(std::string_view t) {
	if (t.empty())
		return std::nullopt;
	std::string copy(t);
	for (size_t i = 0; i < copy.size(); ++i)
		if (!(copy[i] >= '0' && copy[i] <= '9') && !(i == 0 && copy[i] == '-' && copy.size() > 1))
			return std::nullopt;
	errno = 0;
	long long v = std::strtoll(copy.c_str(), nullptr, 10);
	if (errno == ERANGE)
		return std::nullopt;
	return v;
}

Result<std::string> unescape(std::string_view s, bool allow_quote) {
	std::string out;
	for (size_t i = 0; i < s.size(); ++i) {
		if (s[i] != '\\') {
			out += s[i];
			continue;
		}
		if (++i >= s.size())
			return Error("dangling backslash", EINVAL);
		if (s[i] == '\\')
			out += '\\';
		else if (s[i] == 'n')
			out += '\n';
		else if (s[i] == '"' && allow_quote)
			out += '"';
		else
			return Error(std::string("unknown escape \\") + s[i], EINVAL);
	}
	return out;
}

Result<Labels> parse_labels(Cursor& c) {
	Labels labels;
	if (!c.eat('{'))
		return labels;
	while (!c.eat('}')) {
		std::string_view key = c.name();
		if (!valid_label_name(key))
			return Error("bad label name at column " + std::to_string(c.i + 1), EINVAL);
		if (!c.eat('=') || !c.eat('"'))
			return Error("expected =\" after label " + std::string(key), EINVAL);
		size_t start = c.i;
		while (!c.done() && c.peek() != '"') {
			if (c.peek() == '\\')
				++c.i;
			++c.i;
		}
		if (c.done())
			return Error("unterminated value of label " + std::string(key), EINVAL);
		auto value = unescape(c.s.substr(start, c.i - start), true);
		if (!value)
			return std::move(value).error().wrap("label " + std::string(key));
		c.eat('"');
		if (!labels.emplace(std::string(key), std::move(value.value())).second)
			return Error("duplicate label " + std::string(key), EINVAL);
		if (!c.eat(',') && c.peek() != '}')
			return Error("expected , or } after label " + std::string(key), EINVAL);
	}
	return labels;
}

// The family a sample belongs to: histogram and summary samples carry a suffix.
std::string family_of(const std::string& name, const std::map<std::string, std::string>& types) {
	if (types.count(name))
		return name;
	for (std::string_view suffix : {"_bucket", "_sum", "_count"}) {
		if (name.size() > suffix.size() &&
		    name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0) {
			std::string base = name.substr(0, name.size() - suffix.size());
			auto it = types.find(base);
			if (it != types.end() && (it->second == "histogram" || it->second == "summary"))
				return base;
		}
	}
	return name;
}

Status parse_comment(Cursor& c, Exposition& out, const std::set<std::string>& sampled) {
	c.eat('#');
	if (!c.blanks())
		return ok_status(); // "#foo": a plain comment
	std::string_view keyword = c.until_space();
	if (keyword != "HELP" && keyword != "TYPE")
		return ok_status(); // any other comment is allowed and ignored
	if (!c.blanks())
		return Error("# " + std::string(keyword) + " without a metric name", EINVAL);
	std::string name(c.name());
	if (!valid_metric_name(name))
		return Error("# " + std::string(keyword) + ": bad metric name", EINVAL);
	if (!c.done() && !c.blanks())
		return Error("# " + std::string(keyword) + " " + name + ": junk after the name", EINVAL);
	std::string_view rest = c.s.substr(c.i);
	if (keyword == "HELP") {
		if (out.help.count(name))
			return Error("second HELP for " + name, EINVAL);
		auto text = unescape(rest, false);
		if (!text)
			return std::move(text).error().wrap("HELP " + name);
		out.help[name] = std::move(text.value());
		return ok_status();
	}
	static const std::set<std::string_view> kTypes = {"counter", "gauge", "histogram", "summary",
	                                                  "untyped"};
	if (!kTypes.count(rest))
		return Error("TYPE " + name + ": unknown type '" + std::string(rest) + "'", EINVAL);
	if (out.types.count(name))
		return Error("second TYPE for " + name, EINVAL);
	if (sampled.count(name))
		return Error("TYPE " + name + " after its samples", EINVAL);
	out.types[name] = std::string(rest);
	return ok_status();
}

Result<Sample> parse_sample(Cursor& c) {
	Sample s;
	s.name = std::string(c.name());
	if (!valid_metric_name(s.name))
		return Error("bad metric name", EINVAL);
	auto labels = parse_labels(c);
	if (!labels)
		return std::move(labels).error().wrap(s.name);
	s.labels = std::move(labels.value());
	if (!c.blanks())
		return Error(s.name + ": expected a space before the value", EINVAL);
	auto value = parse_float(c.until_space());
	if (!value)
		return Error(s.name + ": bad value", EINVAL);
	s.value = *value;
	if (c.blanks() && !c.done()) {
		auto ts = parse_int(c.until_space());
		if (!ts)
			return Error(s.name + ": bad timestamp", EINVAL);
		s.timestamp_ms = *ts;
		c.blanks();
	}
	if (!c.done())
		return Error(s.name + ": junk after the value", EINVAL);
	return s;
}

} // namespace

std::optional<double> Exposition::value(std::string_view name, const Labels& labels) const {
	for (const auto& s : samples)
		if (s.name == name && s.labels == labels)
			return s.value;
	return std::nullopt;
}

double Exposition::sum(std::string_view name, const Labels& subset) const {
	double total = 0;
	for (const auto& s : samples) {
		if (s.name != name)
			continue;
		bool match = true;
		for (const auto& [k, v] : subset) {
			auto it = s.labels.find(k);
			match = match && it != s.labels.end() && it->second == v;
		}
		if (match)
			total += s.value;
	}
	return total;
}

Result<Exposition> parse_exposition(std::string_view text) {
	Exposition out;
	if (!text.empty() && text.back() != '\n')
		return Error("exposition does not end with a newline", EINVAL);
	std::set<std::string> sampled; // families that already have samples
	std::set<std::pair<std::string, Labels>> seen;
	size_t line_no = 0;
	while (!text.empty()) {
		size_t nl = text.find('\n');
		std::string_view line = text.substr(0, nl);
		text.remove_prefix(nl + 1);
		++line_no;
		auto where = [&](Error e) { return std::move(e.wrap("line " + std::to_string(line_no))); };
		if (line.empty())
			continue;
		Cursor c{line};
		if (c.peek() == '#') {
			if (auto st = parse_comment(c, out, sampled); !st)
				return where(std::move(st).error());
			continue;
		}
		auto sample = parse_sample(c);
		if (!sample)
			return where(std::move(sample).error());
		if (!seen.emplace(sample->name, sample->labels).second)
			return where(Error("duplicate series " + sample->name, EINVAL));
		sampled.insert(family_of(sample->name, out.types));
		out.samples.push_back(std::move(sample.value()));
	}
	return out;
}

} // namespace egress::audit
