// Internal to the config reader: typed readers over a YAML node tree. Each reader takes the node and
// its key path ("allow[2].ports[0]") and returns the value or an Error that names the path, the
// problem and, for YAML input, the line and column.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "common/result.h"
#include "policy/net_types.h"

namespace egress::policy::detail {

template <typename T>
using Reader = std::function<Result<T>(const YAML::Node&, const std::string& path)>;
using KeyHandler = std::function<Status(const YAML::Node&, const std::string& path)>;

struct KeyRule {
	std::string_view name;
	KeyHandler handle;
};

// "<path>: <problem> (line L, column C)"; errno EINVAL.
Error at(const YAML::Node& node, const std::string& path, std::string problem);
std::string in_quotes(std::string_view text);
std::string join(const std::string& path, std::string_view key); // "denyLog" + "file"
std::string index(const std::string& path, std::size_t i);       // "allow" + 2 -> "allow[2]"
std::string_view type_name(const YAML::Node& node);              // "a list", "a map", ...
bool valid_utf8(std::string_view text);

Result<std::string> read_string(const YAML::Node& node, const std::string& path);
Result<bool> read_bool(const YAML::Node& node, const std::string& path); // true/false only
Result<IpAddress> read_ip(const YAML::Node& node, const std::string& path);
Result<Cidr> read_cidr(const YAML::Node& node, const std::string& path); // host bits: error + hint
Reader<std::uint32_t> uint_in(std::uint32_t lo, std::uint32_t hi);
Reader<std::chrono::seconds> duration_in(std::chrono::seconds lo, std::chrono::seconds hi); // 30, 30s, 1h30m
Reader<std::string> fqdn(bool allow_wildcard);
Reader<std::string> absolute_path(bool empty_ok);

template <typename E>
Reader<E> one_of(std::vector<std::pair<std::string_view, E>> choices) {
	return [choices](const YAML::Node& node, const std::string& path) -> Result<E> {
		auto s = read_string(node, path);
		if (!s.ok())
			return std::move(s).error();
		std::string names;
		for (const auto& [name, value] : choices) {
			if (*s == name)
				return value;
			names += (names.empty() ? "" : " or ") + std::string(name);
		}
		return at(node, path, in_quotes(*s) + ": expected " + names);
	};
}

// Calls fn(key node, key, key path, value) for each entry of a map (the caller checked IsMap());
// a key that is not a scalar and a duplicate key are errors with their path.
using KeyVisitor = std::function<Status(const YAML::Node& key_node, const std::string& key,
                                        const std::string& key_path, const YAML::Node& value)>;
Status for_each_key(const YAML::Node& node, const std::string& path, const KeyVisitor& fn);

// Walks a map, handing each key to its rule; unknown keys (with a "did you mean" for case
// mistakes) and duplicate keys are errors. A null node is an empty map.
Status read_map(const YAML::Node& node, const std::string& path, const std::vector<KeyRule>& keys);

// Calls fn for each item of a list. A null node is an empty list; a scalar is an error.
Status for_each_item(const YAML::Node& node, const std::string& path,
                     const std::function<Status(const YAML::Node&, const std::string&, std::size_t)>& fn);

// A handler that stores what `reader` returns into `field`.
template <typename T>
KeyHandler set(T& field, Reader<T> reader) {
	return [&field, reader](const YAML::Node& node, const std::string& path) -> Status {
		auto r = reader(node, path);
		if (!r.ok())
			return std::move(r).error();
		field = std::move(*r);
		return ok_status();
	};
}

// A handler that reads a list, appending what `reader` returns for each item.
template <typename T>
KeyHandler append_each(std::vector<T>& out, Reader<T> reader) {
	return [&out, reader](const YAML::Node& node, const std::string& path) -> Status {
		return for_each_item(node, path,
		                     [&](const YAML::Node& item, const std::string& item_path, std::size_t) {
			                     auto r = reader(item, item_path);
			                     if (!r.ok())
				                     return Status(std::move(r).error());
			                     out.push_back(std::move(*r));
			                     return ok_status();
		                     });
	};
}

} // namespace egress::policy::detail
