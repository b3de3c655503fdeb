// Name patterns and the matcher that decides which allowed name covers a DNS name (DESIGN.md 3).
//
//   "api.github.com"   exact: only that name
//   "*.github.com"     exactly one label in front: "api.github.com", not "a.b.github.com"
//   "**.github.com"    one or more labels in front: "api.github.com", "a.b.github.com"
// A wildcard never matches the bare domain ("github.com"), and matching is label-aligned
// ("evil-github.com" is not under "github.com"). Case-insensitive (ASCII), trailing dot ignored.
//
// The kernel decides the same thing with suffix hashes (name_rules.h, include/egress/name_hash.h);
// NameMatcher is the reference that tests compare the kernel algorithm against.
#pragma once

#include <compare>
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/result.h"

namespace egress::dns {

enum class PatternKind : uint8_t {
	exact = 1,         // EGRESS_NAME_EXACT
	wildcard_one = 2,  // "*."  EGRESS_NAME_WILDCARD_ONE
	wildcard_many = 3, // "**." EGRESS_NAME_WILDCARD_MANY
};

class Pattern {
public:
	// Accepts "name", "*.name", "**.name" with an optional trailing dot, any case. The wildcard is
	// only ever the whole first label, and the rest must hold at least one label. Labels are
	// letters, digits, '-' and '_'. Errors name the problem: "a*.b" (wildcard inside a label),
	// "*" alone, empty labels, a label over 63 bytes, a name over 253 characters.
	static Result<Pattern> parse(std::string_view text);

	PatternKind kind() const { return kind_; }
	// The name without its wildcard, normalised: "github.com" for "*.github.com"; the whole name
	// for an exact pattern.
	const std::string& suffix() const { return suffix_; }
	size_t suffix_labels() const { return suffix_labels_; }
	bool is_wildcard() const { return kind_ != PatternKind::exact; }
	// Normalised text: "api.github.com", "*.github.com", "**.github.com".
	std::string to_string() const;

	// True when the name (any case, trailing dot allowed, escapes as in name.h) is covered.
	// A name that is not a valid DNS name matches nothing.
	bool matches(std::string_view name) const;

	// Orders by (suffix, kind): deterministic output for sets of patterns.
	auto operator<=>(const Pattern&) const = default;

private:
	Pattern(PatternKind kind, std::string suffix, size_t labels)
	    : kind_(kind), suffix_(std::move(suffix)), suffix_labels_(labels) {}

	PatternKind kind_ = PatternKind::exact;
	std::string suffix_;
	size_t suffix_labels_ = 0;
};

bool matches(const Pattern& pattern, std::string_view name);

// True when every name matching `narrow` also matches `wide` (used to fold ports of less specific
// rules into more specific ones). Every pattern covers itself.
bool covers(const Pattern& wide, const Pattern& narrow);

struct MatchResult {
	size_t rule = 0; // index given to NameMatcher::add (insertion order)
	Pattern pattern;
};

// A set of patterns answering "which is the most specific pattern covering this name":
// exact > longer suffix > shorter suffix, and for the same suffix "*." > "**.". When the same
// pattern is added twice, the first index wins.
class NameMatcher {
public:
	NameMatcher() = default;
	explicit NameMatcher(const std::vector<Pattern>& patterns);

	// Returns the rule index of the pattern (the one it was first added under).
	size_t add(const Pattern& pattern);
	size_t size() const { return patterns_.size(); }
	const std::vector<Pattern>& patterns() const { return patterns_; }

	std::optional<MatchResult> match(std::string_view name) const;

private:
	std::vector<Pattern> patterns_;
	std::map<std::pair<std::string, PatternKind>, size_t> index_; // (suffix, kind) -> rule
};

} // namespace egress::dns
