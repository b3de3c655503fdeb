#include "dns/message.h"
#include "dns/name.h"

namespace egress::dns {

Result<std::vector<uint8_t>> build_query(uint16_t id, std::string_view name, uint16_t type) {
	auto wire = encode_name(name);
	if (!wire)
		return std::move(wire).error().wrap("building query");
	std::vector<uint8_t> q = {
	    static_cast<uint8_t>(id >> 8),
	    static_cast<uint8_t>(id),
	    0x01,
	    0x00, // RD
	    0,
	    1,
	    0,
	    0,
	    0,
	    0,
	    0,
	    0, // qd 1
	};
	q.insert(q.end(), wire->begin(), wire->end());
	q.push_back(static_cast<uint8_t>(type >> 8));
	q.push_back(static_cast<uint8_t>(type));
	q.push_back(0);
	q.push_back(kClassIn);
	return q;
}

} // namespace egress::dns
