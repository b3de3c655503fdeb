// Operator host names and patterns: the one normaliser, so that every stage compares the same text.
#include <algorithm>
#include <vector>

#include "policy/config.h"

namespace egress::policy {
namespace {

constexpr std::size_t kMaxName = 253; // RFC 1035 §2.3.4, without the trailing dot
constexpr std::size_t kMaxLabel = 63;

bool label_char(char c) {
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
}

Error bad(std::string_view text, std::string_view problem) {
	// Appended, not `"\"" + std::string(text) + ...`: g++ 12 at -O3 reports a false -Wrestrict
	// in the inlined operator+(const char*, string&&) (GCC PR 105329).
	std::string message;
	message.append("\"").append(text).append("\": ").append(problem);
	return Error(std::move(message));
}

} // namespace

Result<std::string> normalize_fqdn(std::string_view text, bool allow_wildcard) {
	std::string name(text);
	std::transform(name.begin(), name.end(), name.begin(),
	               [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; });
	if (!name.empty() && name.back() == '.')
		name.pop_back();
	if (name.empty())
		return bad(text, "empty name");
	if (parse_ip(name).ok())
		return bad(text, "an IP address, not a name (use `cidr`)");

	std::vector<std::string_view> labels;
	for (std::size_t start = 0;;) {
		auto dot = name.find('.', start);
		labels.push_back(std::string_view(name).substr(start, dot - start));
		if (dot == std::string::npos)
			break;
		start = dot + 1;
	}

	std::size_t first = 0;
	if (labels[0] == "*" || labels[0] == "**") {
		if (!allow_wildcard)
			return bad(text, "a wildcard is not allowed here (an exact name is needed)");
		if (labels.size() == 1)
			return bad(text, "a wildcard alone would allow every name");
		if (labels.size() < 3)
			return bad(text, "a wildcard directly over a top-level domain allows too much");
		first = 1;
	}
	std::size_t domain_len = 0;
	for (std::size_t i = first; i < labels.size(); ++i) {
		auto label = labels[i];
		if (label.find('*') != std::string_view::npos)
			return bad(text, "a wildcard must be the whole leading label (`*.` = one label, "
			                 "`**.` = one or more)");
		if (label.empty())
			return bad(text, "empty label");
		if (label.size() > kMaxLabel)
			return bad(text, "label longer than 63 bytes");
		if (!std::all_of(label.begin(), label.end(), label_char))
			return bad(text, "bad character in label \"" + std::string(label) +
			                     "\" (letters, digits, '-' and '_' only)");
		if (label.front() == '-' || label.back() == '-')
			return bad(text, "label \"" + std::string(label) + "\" starts or ends with '-'");
		domain_len += label.size() + (i > first ? 1 : 0);
	}
	// A wildcard stands for at least one more label, so its domain must leave room for one.
	if (domain_len > (first ? kMaxName - 2 : kMaxName))
		return bad(text, "name longer than 253 bytes");
	return name;
}

} // namespace egress::policy
