// The six maps the datapath's verdict reads for a destination (floor, learned, CIDR; IPv4 and
// IPv6), as typed lookups by address, from a loaded Datapath or from an installation's pins. The
// decision itself is verdict/explain.h's: this only says what the maps hold.
#pragma once

#include <array>
#include <optional>
#include <utility>
#include <vector>

#include <egress/abi.h>

#include "common/ip_address.h"
#include "common/result.h"

namespace egress::kernel {

struct LearnedEntry {
	IpAddress address;
	egress_learned_value value{};
};

class VerdictMaps {
public:
	// Borrowed fds (the Datapath or the pinned view keeps them open); -1 for a map not there.
	struct Fds {
		int floor4 = -1, floor6 = -1, learned4 = -1, learned6 = -1, cidr4 = -1, cidr6 = -1;
	};
	explicit VerdictMaps(Fds fds) : fds_(fds) {}

	// The longest-prefix entries for the address (a /32 or /128 LPM lookup), as the kernel finds them.
	Result<std::optional<egress_ports>> floor(const IpAddress& dst) const;
	Result<std::optional<egress_ports>> cidr(const IpAddress& dst) const;
	Result<std::optional<egress_learned_value>> learned(const IpAddress& dst) const;

	// Every learned entry of both families.
	Result<std::vector<LearnedEntry>> learned_entries() const;

private:
	Fds fds_;
};

} // namespace egress::kernel
