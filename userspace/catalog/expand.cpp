#include "catalog/catalog.h"

#include <algorithm>

namespace egress::catalog {

Result<std::string> expand(std::string_view tmpl, const std::map<std::string, std::string>& vars) {
	std::string out;
	out.reserve(tmpl.size());
	for (std::size_t i = 0; i < tmpl.size(); ++i) {
		char c = tmpl[i];
		if (c == '}')
			return Error("unbalanced '}' at offset " + std::to_string(i) + " in \"" +
			                 std::string(tmpl) + "\"",
			             EINVAL);
		if (c != '{') {
			out += c;
			continue;
		}
		auto close = tmpl.find('}', i + 1);
		auto nested = tmpl.find('{', i + 1);
		if (close == std::string_view::npos || (nested != std::string_view::npos && nested < close))
			return Error("unbalanced '{' at offset " + std::to_string(i) + " in \"" +
			                 std::string(tmpl) + "\"",
			             EINVAL);
		std::string name(tmpl.substr(i + 1, close - i - 1));
		if (name.empty())
			return Error("empty placeholder {} in \"" + std::string(tmpl) + "\"", EINVAL);
		auto it = vars.find(name);
		if (it == vars.end())
			return Error("unknown placeholder {" + name + "} in \"" + std::string(tmpl) + "\"",
			             EINVAL);
		out += it->second;
		i = close;
	}
	return out;
}

std::vector<std::string> placeholders_of(std::string_view tmpl) {
	std::vector<std::string> names;
	std::size_t pos = 0;
	while ((pos = tmpl.find('{', pos)) != std::string_view::npos) {
		auto close = tmpl.find('}', pos + 1);
		if (close == std::string_view::npos)
			break;
		std::string name(tmpl.substr(pos + 1, close - pos - 1));
		if (!name.empty() && name.find('{') == std::string::npos &&
		    std::find(names.begin(), names.end(), name) == names.end())
			names.push_back(std::move(name));
		pos = close + 1;
	}
	return names;
}

} // namespace egress::catalog
