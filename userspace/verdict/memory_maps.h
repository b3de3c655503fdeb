// The maps a compiled policy would put in the kernel, looked up as the kernel looks them up
// (longest prefix for the floor and CIDR maps, exact address for learned entries): what the offline
// check (`egressctl check --config`) hands to explain().
#pragma once

#include <map>
#include <optional>

#include <egress/abi.h>

#include "common/ip_address.h"
#include "common/result.h"
#include "verdict/desired_state.h"

namespace egress::verdict {

class MemoryMaps {
public:
	// `desired` must outlive the MemoryMaps.
	explicit MemoryMaps(const DesiredState& desired) : desired_(desired) {}

	Result<std::optional<egress_ports>> floor(const IpAddress& dst) const;
	Result<std::optional<egress_ports>> cidr(const IpAddress& dst) const;
	Result<std::optional<egress_learned_value>> learned(const IpAddress& dst) const;

	// Learned entries, as the kernel's learner or the resolver would have written them.
	void learn(const IpAddress& address, const egress_learned_value& value) { learned_[address] = value; }

private:
	const DesiredState& desired_;
	std::map<IpAddress, egress_learned_value> learned_;
};

} // namespace egress::verdict
