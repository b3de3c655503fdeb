#include "resolver/name.h"

#include <cerrno>

namespace egress::resolver {

namespace {

bool name_byte(char c) {
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
}

} // namespace

Result<std::string> normalize_exact_name(std::string_view name) {
	std::string in(name);
	auto bad = [&](const char* why) { return Error("name \"" + in + "\": " + why, EINVAL); };
	if (!name.empty() && name.back() == '.')
		name.remove_suffix(1);
	if (name.empty())
		return bad("empty");
	if (name.size() > 253)
		return bad("longer than 253 characters");
	std::string out;
	out.reserve(name.size());
	size_t label = 0;
	for (char c : name) {
		if (c >= 'A' && c <= 'Z')
			c = static_cast<char>(c - 'A' + 'a');
		if (c == '.') {
			if (label == 0)
				return bad("empty label");
			label = 0;
		} else if (c == '*') {
			return bad("a wildcard is not an exact name");
		} else if (!name_byte(c)) {
			return bad("only letters, digits, '-' and '_' may appear in a label");
		} else if (++label > 63) {
			return bad("label longer than 63 bytes");
		}
		out.push_back(c);
	}
	if (label == 0)
		return bad("empty label");
	return out;
}

} // namespace egress::resolver
