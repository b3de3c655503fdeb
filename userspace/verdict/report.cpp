#include "verdict/report.h"

#include "common/abi_names.h"
#include "verdict/desired_state.h"

namespace egress::verdict {

std::vector<std::string> ports_list(const egress_ports& ports) {
	std::vector<std::string> out;
	for (const auto& r : policy_ports(ports))
		out.push_back(r.to_string());
	return out;
}

std::string ports_text(const egress_ports& ports) {
	std::string out;
	for (const auto& p : ports_list(ports)) {
		if (!out.empty())
			out += ',';
		out += p;
	}
	return out;
}

nlohmann::json learned_json(const IpAddress& address, const egress_learned_value& v, uint64_t now_ns) {
	int64_t left = static_cast<int64_t>(v.expires_ns) - static_cast<int64_t>(now_ns);
	return {{"address", address.to_string()},
	        {"family", std::string(family_name(address.family))},
	        {"expires_in_s", left > 0 ? left / 1'000'000'000 : 0},
	        {"expired", expired(v, now_ns)},
	        {"ttl", v.ttl},
	        {"ports", ports_text(v.ports)},
	        {"rule_id", v.ports.rule_id}};
}

nlohmann::json counters_summary(std::span<const uint64_t> counters) {
	uint64_t allowed = 0, denied = 0, lost = 0;
	nlohmann::json by_reason = nlohmann::json::object();
	for (unsigned reason = 0; reason < EGRESS_REASON_MAX; ++reason) {
		uint64_t sum = 0;
		for (unsigned hook = 0; hook < EGRESS_HOOK_MAX; ++hook) {
			auto i = static_cast<size_t>(EGRESS_COUNTER_INDEX(hook, reason));
			if (i < counters.size())
				sum += counters[i];
		}
		if (reason == EGRESS_REASON_EVENT_LOST)
			lost = sum;
		if (!sum)
			continue;
		by_reason[std::string(reason_name(reason))] = sum;
		if (reason_class(reason) == ReasonClass::allow)
			allowed += sum;
		else if (reason_class(reason) == ReasonClass::deny)
			denied += sum;
	}
	return {{"allowed", allowed}, {"denied", denied}, {"lost_events", lost}, {"by_reason", by_reason}};
}

nlohmann::ordered_json map_hits_json(const Verdict& verdict, uint64_t now_ns) {
	bool v4 = verdict.judged.family == Family::v4;
	nlohmann::ordered_json out = nlohmann::ordered_json::array();
	for (const auto& h : verdict.hits) {
		std::string map = h.map == MapKind::floor     ? "egress_floor"
		                  : h.map == MapKind::learned ? "egress_learned"
		                                              : "egress_cidr";
		nlohmann::ordered_json j = {{"type", std::string(map_kind_name(h.map))},
		                            {"map", map + (v4 ? "4" : "6")},
		                            {"rule_id", h.ports.rule_id},
		                            {"ports", ports_list(h.ports)},
		                            {"portAllowed", h.port_allowed}};
		if (h.map == MapKind::learned) {
			int64_t left = static_cast<int64_t>(h.expires_ns) - static_cast<int64_t>(now_ns);
			j["expired"] = h.expired;
			j["expires_in_s"] = left > 0 ? left / 1'000'000'000 : 0;
		}
		out.push_back(std::move(j));
	}
	return out;
}

} // namespace egress::verdict
