#include "dns/name_match.h"

#include <cerrno>
#include <span>

#include "dns/name.h"

namespace egress::dns {
namespace {

bool pattern_label_byte(char c) {
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
}

Error pattern_error(std::string_view text, const std::string& what) {
	return Error("invalid name pattern \"" + std::string(text) + "\": " + what, EINVAL);
}

std::vector<std::string_view> split_plain(std::string_view text) {
	std::vector<std::string_view> out;
	size_t start = 0;
	for (size_t i = 0; i <= text.size(); ++i) {
		if (i == text.size() || text[i] == '.') {
			out.push_back(text.substr(start, i - start));
			start = i + 1;
		}
	}
	return out;
}

// "a.b.c" is under "b.c" (label-aligned, proper).
bool is_proper_subdomain(std::string_view name, std::string_view domain) {
	return name.size() > domain.size() && name.ends_with(domain) &&
	       name[name.size() - domain.size() - 1] == '.';
}

} // namespace

Result<Pattern> Pattern::parse(std::string_view text) {
	std::string_view original = text;
	if (!text.empty() && text.back() == '.')
		text.remove_suffix(1);
	if (text.empty())
		return pattern_error(original, "empty");
	if (text.size() > kMaxTextNameLength)
		return pattern_error(original, "longer than 253 characters");
	PatternKind kind = PatternKind::exact;
	if (text.starts_with("**.")) {
		kind = PatternKind::wildcard_many;
		text.remove_prefix(3);
	} else if (text.starts_with("*.")) {
		kind = PatternKind::wildcard_one;
		text.remove_prefix(2);
	} else if (text == "*" || text == "**") {
		return pattern_error(original, "a wildcard needs a domain after it");
	}
	if (text.empty())
		return pattern_error(original, "a wildcard needs a domain after it");
	std::string suffix = ascii_lower(text);
	auto labels = split_plain(suffix);
	for (auto label : labels) {
		if (label.empty())
			return pattern_error(original, "empty label");
		if (label.size() > kMaxLabelLength)
			return pattern_error(original,
			                     "label \"" + std::string(label) + "\" longer than 63 bytes");
		for (char c : label) {
			if (c == '*')
				return pattern_error(
				    original,
				    "a wildcard may only be the whole first label (\"*.\" or \"**.\")");
			if (!pattern_label_byte(c))
				return pattern_error(original,
				                     std::string("character '") + c +
				                         "' not allowed (letters, digits, '-', '_')");
		}
	}
	size_t n = labels.size();
	return Pattern(kind, std::move(suffix), n);
}

std::string Pattern::to_string() const {
	switch (kind_) {
	case PatternKind::wildcard_one:
		return "*." + suffix_;
	case PatternKind::wildcard_many:
		return "**." + suffix_;
	case PatternKind::exact:
		break;
	}
	return suffix_;
}

bool Pattern::matches(std::string_view name) const {
	auto labels = split_name(name);
	if (!labels)
		return false;
	size_t n = labels->size();
	size_t m = suffix_labels_;
	switch (kind_) {
	case PatternKind::exact:
		if (n != m)
			return false;
		break;
	case PatternKind::wildcard_one:
		if (n != m + 1)
			return false;
		break;
	case PatternKind::wildcard_many:
		if (n < m + 1)
			return false;
		break;
	}
	auto want = split_plain(suffix_);
	for (size_t i = 0; i < m; ++i)
		if (ascii_lower((*labels)[n - m + i]) != want[i])
			return false;
	return true;
}

bool matches(const Pattern& pattern, std::string_view name) {
	return pattern.matches(name);
}

bool covers(const Pattern& wide, const Pattern& narrow) {
	if (wide == narrow)
		return true;
	if (narrow.kind() == PatternKind::exact)
		return wide.matches(narrow.suffix());
	switch (wide.kind()) {
	case PatternKind::exact:
		return false; // a wildcard matches many names, an exact pattern one
	case PatternKind::wildcard_one:
		// "*.S" covers "*.S" only (handled above); it never covers "**." (unbounded depth).
		return false;
	case PatternKind::wildcard_many:
		return narrow.suffix() == wide.suffix() ||
		       is_proper_subdomain(narrow.suffix(), wide.suffix());
	}
	return false;
}

NameMatcher::NameMatcher(const std::vector<Pattern>& patterns) {
	for (const auto& p : patterns)
		add(p);
}

size_t NameMatcher::add(const Pattern& pattern) {
	auto [it, inserted] = index_.try_emplace({pattern.suffix(), pattern.kind()}, patterns_.size());
	if (inserted)
		patterns_.push_back(pattern);
	return it->second;
}

std::optional<MatchResult> NameMatcher::match(std::string_view name) const {
	auto labels = split_name(name);
	if (!labels)
		return std::nullopt;
	// Longest suffix first: the walk order is the specificity order (and the kernel's).
	for (size_t k = 0; k < labels->size(); ++k) {
		std::vector<std::string> tail(labels->begin() + static_cast<std::ptrdiff_t>(k),
		                              labels->end());
		std::string suffix = join_labels(tail, true);
		static constexpr PatternKind kExact[] = {PatternKind::exact};
		static constexpr PatternKind kOne[] = {PatternKind::wildcard_one, PatternKind::wildcard_many};
		static constexpr PatternKind kMany[] = {PatternKind::wildcard_many};
		std::span<const PatternKind> kinds = k == 0   ? std::span<const PatternKind>(kExact)
		                                     : k == 1 ? std::span<const PatternKind>(kOne)
		                                              : std::span<const PatternKind>(kMany);
		for (auto kind : kinds) {
			auto it = index_.find({suffix, kind});
			if (it != index_.end())
				return MatchResult{it->second, patterns_[it->second]};
		}
	}
	return std::nullopt;
}

} // namespace egress::dns
