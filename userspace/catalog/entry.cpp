#include "catalog/entry.h"

#include <algorithm>
#include <array>
#include <utility>

namespace egress::catalog {
namespace {

// One table per enum keeps to_string and parse_* in step (a test round-trips every value).
template <typename E, std::size_t N>
using Names = std::array<std::pair<E, std::string_view>, N>;

constexpr Names<Edition, 4> kEditions{{{Edition::v2019, "2019"},
                                       {Edition::v2020, "2020"},
                                       {Edition::cn2024, "cn-2024"},
                                       {Edition::current, "current"}}};
constexpr Names<Status, 2> kStatuses{{{Status::current, "current"}, {Status::legacy, "legacy"}}};
constexpr Names<Kind, 3> kKinds{
    {{Kind::fqdn, "fqdn"}, {Kind::wildcard, "wildcard"}, {Kind::network, "network"}}};
constexpr Names<Protocol, 2> kProtocols{{{Protocol::tcp, "tcp"}, {Protocol::udp, "udp"}}};
constexpr Names<WildcardDepth, 4> kDepths{{{WildcardDepth::none, "none"},
                                           {WildcardDepth::one_label, "one-label"},
                                           {WildcardDepth::any_depth, "any-depth"},
                                           {WildcardDepth::label_glob, "label-glob"}}};
constexpr Names<Condition, 7> kConditions{
    {{Condition::konnectivity, "konnectivity"},
     {Condition::private_cluster, "private-cluster"},
     {Condition::nodes_after_march_2021, "nodes-after-march-2021"},
     {Condition::custom_dns, "custom-dns"},
     {Condition::api_server_by_ip, "api-server-by-ip"},
     {Condition::api_server_vnet_integration, "api-server-vnet-integration"},
     {Condition::localdns, "localdns"}}};
constexpr Names<AlternativeType, 9> kAlternatives{
    {{AlternativeType::any, "any"},
     {AlternativeType::service_tag, "service_tag"},
     {AlternativeType::region_cidrs, "region_cidrs"},
     {AlternativeType::api_server_public_ip, "api_server_public_ip"},
     {AlternativeType::placeholder_ip, "placeholder_ip"},
     {AlternativeType::ip, "ip"},
     {AlternativeType::cidr, "cidr"},
     {AlternativeType::fqdn_network_rule, "fqdn_network_rule"},
     {AlternativeType::fqdn_hosts, "fqdn_hosts"}}};

template <typename E, std::size_t N>
std::string_view name_of(const Names<E, N>& names, E value) {
	for (const auto& [v, n] : names)
		if (v == value)
			return n;
	return "?";
}

template <typename E, std::size_t N>
std::optional<E> value_of(const Names<E, N>& names, std::string_view name) {
	for (const auto& [v, n] : names)
		if (n == name)
			return v;
	return std::nullopt;
}

constexpr std::array<std::string_view, 7> kFixedCategories{
    "required",          "conditional",    "recommended",         "observed-recommended",
    "observed-optional", "platform-local", "reported-unconfirmed"};

constexpr std::string_view kFeaturePrefix = "feature:";
constexpr std::string_view kWorkloadPrefix = "workload:";

bool valid_suffix_name(std::string_view name) {
	if (name.empty() || name.front() == '-' || name.back() == '-')
		return false;
	return std::all_of(name.begin(), name.end(), [](char c) {
		return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
	});
}

std::string_view suffix_after(std::string_view category, std::string_view prefix) {
	if (category.substr(0, prefix.size()) != prefix)
		return {};
	return category.substr(prefix.size());
}

} // namespace

std::string_view to_string(Edition e) {
	return name_of(kEditions, e);
}
std::string_view to_string(Status s) {
	return name_of(kStatuses, s);
}
std::string_view to_string(Kind k) {
	return name_of(kKinds, k);
}
std::string_view to_string(Protocol p) {
	return name_of(kProtocols, p);
}
std::string_view to_string(WildcardDepth d) {
	return name_of(kDepths, d);
}
std::string_view to_string(Condition c) {
	return name_of(kConditions, c);
}
std::string_view to_string(AlternativeType t) {
	return name_of(kAlternatives, t);
}

std::optional<Edition> parse_edition(std::string_view s) {
	return value_of(kEditions, s);
}
std::optional<Status> parse_status(std::string_view s) {
	return value_of(kStatuses, s);
}
std::optional<Kind> parse_kind(std::string_view s) {
	return value_of(kKinds, s);
}
std::optional<Protocol> parse_protocol(std::string_view s) {
	return value_of(kProtocols, s);
}
std::optional<WildcardDepth> parse_wildcard_depth(std::string_view s) {
	return value_of(kDepths, s);
}
std::optional<Condition> parse_condition(std::string_view s) {
	return value_of(kConditions, s);
}
std::optional<AlternativeType> parse_alternative_type(std::string_view s) {
	return value_of(kAlternatives, s);
}

bool valid_category(std::string_view category) {
	if (std::find(kFixedCategories.begin(), kFixedCategories.end(), category) != kFixedCategories.end())
		return true;
	for (auto prefix : {kFeaturePrefix, kWorkloadPrefix})
		if (category.substr(0, prefix.size()) == prefix)
			return valid_suffix_name(category.substr(prefix.size()));
	return false;
}

bool Entry::is_feature() const {
	return !feature_name().empty();
}
std::string_view Entry::feature_name() const {
	return suffix_after(category, kFeaturePrefix);
}
bool Entry::is_workload() const {
	return !workload_name().empty();
}
std::string_view Entry::workload_name() const {
	return suffix_after(category, kWorkloadPrefix);
}

bool Entry::has_protocol(Protocol p) const {
	return std::find(protocols.begin(), protocols.end(), p) != protocols.end();
}

bool Entry::listed_in(Edition e) const {
	return std::find(editions.begin(), editions.end(), e) != editions.end();
}

bool Entry::in_edition(Edition e) const {
	if (editions.empty() || e == Edition::current)
		return status == Status::current;
	return listed_in(e);
}

bool Entry::needed(const std::vector<Condition>& facts) const {
	auto holds = [&](Condition c) { return std::find(facts.begin(), facts.end(), c) != facts.end(); };
	if (std::any_of(needed_unless.begin(), needed_unless.end(), holds))
		return false;
	return needed_only_if.empty() || std::any_of(needed_only_if.begin(), needed_only_if.end(), holds);
}

} // namespace egress::catalog
