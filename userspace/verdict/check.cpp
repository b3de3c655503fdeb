#include "verdict/check.h"

#include "common/abi_names.h"
#include "verdict/report.h"

namespace egress::verdict {

AddressQuery address_query(const policy::CheckQuery& q) {
	AddressQuery a;
	a.destination = q.address;
	a.proto = static_cast<uint8_t>(q.proto);
	a.port = q.port;
	a.path = q.proto == Proto::udp ? Path::sendmsg : Path::connect;
	return a;
}

CheckAnswer check(const CheckContext& ctx, const policy::CheckQuery& query, const AddressEntries& entries,
                  uint64_t now_ns) {
	CheckAnswer a;
	a.result.query = query;
	if (ctx.policy)
		a.result.matches = policy::covering_rules(*ctx.policy, query);
	if (query.is_address) {
		a.address = explain(entries, address_query(query), now_ns);
		a.result.allowed = a.address->allowed;
		a.result.reason = std::string(reason_name(a.address->reason));
	} else {
		dns::KernelNameTable table(ctx.desired ? ctx.desired->names
		                                       : std::vector<dns::NameRuleEntry>{},
		                           ctx.desired ? ctx.desired->name_check_key : 0);
		a.name =
		    explain_name(table, query.destination, static_cast<uint8_t>(query.proto), query.port);
		a.result.allowed = a.name->allowed;
		a.result.reason = !a.name->learnable ? "name_not_learnable"
		                  : a.name->allowed  ? "name_rule"
		                  : a.name->rule     ? "port_not_allowed"
		                                     : "no_rule";
		if (!a.name->learnable)
			a.result.notes.push_back(a.name->not_learnable_why);
	}
	if (ctx.policy) {
		auto notes =
		    policy::check_notes(*ctx.policy, query, a.result.allowed, ctx.catalog, ctx.config);
		a.result.notes.insert(a.result.notes.end(), notes.begin(), notes.end());
	}
	return a;
}

nlohmann::ordered_json to_json(const CheckAnswer& a, uint64_t now_ns) {
	auto j = policy::to_json(a.result);
	if (a.address)
		j["maps"] = map_hits_json(*a.address, now_ns);
	return j;
}

} // namespace egress::verdict
