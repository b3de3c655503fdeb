#include "policy/config_reader.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <optional>
#include <set>

#include "policy/config.h"
#include "policy/config_document.h"

namespace egress::policy::detail {
namespace {

bool same_ignoring_case(std::string_view a, std::string_view b) {
	return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
		       return std::tolower(static_cast<unsigned char>(x)) ==
		              std::tolower(static_cast<unsigned char>(y));
	       });
}

std::string known_names(const std::vector<KeyRule>& keys) {
	std::string out;
	for (const auto& k : keys)
		out += (out.empty() ? "" : ", ") + std::string(k.name);
	return out;
}

// The sum of <number><unit> groups; a lone number is seconds. nullopt when malformed.
std::optional<std::uint64_t> parse_duration_seconds(std::string_view s) {
	if (s.empty())
		return std::nullopt;
	std::uint64_t total = 0;
	const char* p = s.data();
	const char* end = s.data() + s.size();
	bool units = false;
	while (p < end) {
		std::uint64_t n = 0;
		auto r = std::from_chars(p, end, n);
		if (r.ec != std::errc() || n > 1'000'000'000)
			return std::nullopt;
		p = r.ptr;
		if (p == end) // a bare number: seconds, but "1m30" is ambiguous
			return units ? std::nullopt : std::optional<std::uint64_t>(total + n);
		std::uint64_t scale = 0;
		switch (*p++) {
		case 's':
			scale = 1;
			break;
		case 'm':
			scale = 60;
			break;
		case 'h':
			scale = 3600;
			break;
		case 'd':
			scale = 86400;
			break;
		default:
			return std::nullopt;
		}
		units = true;
		total += n * scale;
		if (total > 10ull * 365 * 86400)
			return std::nullopt;
	}
	return total;
}

} // namespace

Error at(const YAML::Node& node, const std::string& path, std::string problem) {
	return Error((path.empty() ? std::string("(top level)") : path) + ": " + std::move(problem) +
	                 where(node),
	             EINVAL);
}

std::string in_quotes(std::string_view text) {
	// Appended: g++ 12 at -O3 reports a false -Wrestrict in operator+(const char*, string&&)
	// (GCC PR 105329).
	std::string out;
	out.reserve(text.size() + 2);
	out.append("\"").append(text).append("\"");
	return out;
}

std::string join(const std::string& path, std::string_view key) {
	return path.empty() ? std::string(key) : path + "." + std::string(key);
}

std::string index(const std::string& path, std::size_t i) {
	return path + "[" + std::to_string(i) + "]";
}

std::string_view type_name(const YAML::Node& node) {
	switch (node.Type()) {
	case YAML::NodeType::Scalar:
		return "a scalar";
	case YAML::NodeType::Sequence:
		return "a list";
	case YAML::NodeType::Map:
		return "a map";
	default:
		return "no value";
	}
}

// Strings from the config end up in JSON (render output, logs), whose writers refuse bad UTF-8;
// refusing it here keeps every later stage from throwing.
bool valid_utf8(std::string_view s) {
	static constexpr std::uint32_t kMin[] = {0, 0x80, 0x800, 0x10000}; // shortest form per length
	std::size_t i = 0;
	while (i < s.size()) {
		auto c = static_cast<unsigned char>(s[i]);
		std::size_t n = c < 0x80             ? 0
		                : (c & 0xe0) == 0xc0 ? 1
		                : (c & 0xf0) == 0xe0 ? 2
		                : (c & 0xf8) == 0xf0 ? 3
		                                     : 9;
		if (n == 9 || (n > 0 && i + n >= s.size()))
			return false;
		std::uint32_t cp = n == 0 ? c : c & (0x3f >> n);
		for (std::size_t k = 1; k <= n; ++k) {
			auto cc = static_cast<unsigned char>(s[i + k]);
			if ((cc & 0xc0) != 0x80)
				return false;
			cp = (cp << 6) | (cc & 0x3f);
		}
		if (cp < kMin[n] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return false;
		i += n + 1;
	}
	return true;
}

Result<std::string> read_string(const YAML::Node& node, const std::string& path) {
	if (!node.IsScalar())
		return at(node, path, "expected a string, got " + std::string(type_name(node)));
	// The text was UTF-8, but YAML escapes ("\ud800") can still produce invalid sequences.
	if (!valid_utf8(node.Scalar()))
		return at(node, path, "not valid UTF-8");
	return node.Scalar();
}

Result<bool> read_bool(const YAML::Node& node, const std::string& path) {
	if (!node.IsScalar())
		return at(node, path, "expected true or false, got " + std::string(type_name(node)));
	const std::string& s = node.Scalar();
	if (s == "true" || s == "True" || s == "TRUE")
		return true;
	if (s == "false" || s == "False" || s == "FALSE")
		return false;
	// YAML 1.1 also read yes/no/on/off as booleans; YAML 1.2 and JSON do not, so neither do we.
	return at(node, path, in_quotes(s) + ": expected true or false");
}

Result<IpAddress> read_ip(const YAML::Node& node, const std::string& path) {
	auto s = read_string(node, path);
	if (!s.ok())
		return std::move(s).error();
	auto ip = parse_ip(*s);
	if (!ip.ok())
		return at(node, path, ip.error().message());
	return ip;
}

Result<Cidr> read_cidr(const YAML::Node& node, const std::string& path) {
	auto s = read_string(node, path);
	if (!s.ok())
		return std::move(s).error();
	auto cidr = parse_cidr(*s);
	if (!cidr.ok())
		return at(node, path, cidr.error().message());
	return cidr;
}

Reader<std::uint32_t> uint_in(std::uint32_t lo, std::uint32_t hi) {
	return [lo, hi](const YAML::Node& node, const std::string& path) -> Result<std::uint32_t> {
		if (!node.IsScalar())
			return at(node, path, "expected a number, got " + std::string(type_name(node)));
		const std::string& s = node.Scalar();
		std::uint64_t v = 0;
		auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
		if (s.empty() || ec != std::errc() || end != s.data() + s.size())
			return at(node, path, in_quotes(s) + ": expected a whole number");
		if (v < lo || v > hi)
			return at(node, path,
			          in_quotes(s) + ": out of range " + std::to_string(lo) + "-" +
			              std::to_string(hi));
		return static_cast<std::uint32_t>(v);
	};
}

Reader<std::chrono::seconds> duration_in(std::chrono::seconds lo, std::chrono::seconds hi) {
	return [lo, hi](const YAML::Node& node, const std::string& path) -> Result<std::chrono::seconds> {
		if (!node.IsScalar())
			return at(node, path, "expected a duration, got " + std::string(type_name(node)));
		const std::string& s = node.Scalar();
		auto total = parse_duration_seconds(s);
		if (!total)
			return at(node, path,
			          in_quotes(s) + ": expected seconds or a duration like 30s, 5m, 1h30m");
		std::chrono::seconds v(*total);
		if (v < lo || v > hi)
			return at(node, path,
			          in_quotes(s) + ": out of range " + std::to_string(lo.count()) + "s-" +
			              std::to_string(hi.count()) + "s");
		return v;
	};
}

Reader<std::string> fqdn(bool allow_wildcard) {
	return [allow_wildcard](const YAML::Node& node, const std::string& path) -> Result<std::string> {
		auto s = read_string(node, path);
		if (!s.ok())
			return std::move(s).error();
		auto name = normalize_fqdn(*s, allow_wildcard);
		if (!name.ok())
			return at(node, path, name.error().message());
		return name;
	};
}

Reader<std::string> absolute_path(bool empty_ok) {
	return [empty_ok](const YAML::Node& node, const std::string& path) -> Result<std::string> {
		auto s = read_string(node, path);
		if (!s.ok())
			return std::move(s).error();
		if (s->empty() && empty_ok)
			return s;
		if (s->empty() || s->front() != '/')
			return at(node, path, in_quotes(*s) + ": expected an absolute path");
		if (s->find('\0') != std::string::npos)
			return at(node, path, "NUL byte in path");
		return s;
	};
}

Status for_each_key(const YAML::Node& node, const std::string& path, const KeyVisitor& fn) {
	std::set<std::string> seen;
	for (auto it = node.begin(); it != node.end(); ++it) {
		// Copies, not references: the iterator's `->` yields a temporary proxy.
		const YAML::Node key_node = it->first;
		const YAML::Node value_node = it->second;
		if (!key_node.IsScalar())
			return at(key_node, path,
			          "a key must be a string, got " + std::string(type_name(key_node)));
		const std::string& key = key_node.Scalar();
		std::string key_path = join(path, key);
		if (!seen.insert(key).second)
			return at(key_node, key_path, "duplicate key");
		EGRESS_TRY(fn(key_node, key, key_path, value_node));
	}
	return ok_status();
}

Status read_map(const YAML::Node& node, const std::string& path, const std::vector<KeyRule>& keys) {
	if (node.IsNull())
		return ok_status();
	if (!node.IsMap())
		return at(node, path, "expected a map, got " + std::string(type_name(node)));
	return for_each_key(node, path,
	                    [&](const YAML::Node& key_node, const std::string& key,
	                        const std::string& key_path, const YAML::Node& value_node) -> Status {
		                    auto rule = std::find_if(keys.begin(), keys.end(),
		                                             [&](const KeyRule& k) { return k.name == key; });
		                    if (rule == keys.end()) {
			                    auto near =
			                        std::find_if(keys.begin(), keys.end(), [&](const KeyRule& k) {
				                        return same_ignoring_case(k.name, key);
			                        });
			                    std::string hint =
			                        near != keys.end()
			                            ? " (did you mean " + std::string(near->name) + "?)"
			                            : " (known keys: " + known_names(keys) + ")";
			                    return Status(at(key_node, key_path, "unknown key" + hint));
		                    }
		                    return rule->handle(value_node, key_path);
	                    });
}

Status for_each_item(const YAML::Node& node, const std::string& path,
                     const std::function<Status(const YAML::Node&, const std::string&, std::size_t)>& fn) {
	if (node.IsNull())
		return ok_status();
	if (!node.IsSequence())
		return at(node, path, "expected a list, got " + std::string(type_name(node)));
	for (std::size_t i = 0; i < node.size(); ++i)
		EGRESS_TRY(fn(node[i], index(path, i), i));
	return ok_status();
}

} // namespace egress::policy::detail
