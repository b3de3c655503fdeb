#include "dns_wire.h"

#include <arpa/inet.h>

namespace egress::e2e {
namespace {

// Skips an encoded name at `pos` (labels or a compression pointer); false when malformed.
bool skip_name(const uint8_t* p, size_t n, size_t& pos) {
	while (pos < n) {
		uint8_t len = p[pos];
		if ((len & 0xc0) == 0xc0) {
			pos += 2;
			return pos <= n;
		}
		pos += 1 + len;
		if (len == 0)
			return pos <= n;
	}
	return false;
}

} // namespace

std::vector<uint8_t> a_query(const std::string& name, uint16_t id, uint16_t qtype) {
	std::vector<uint8_t> q = {uint8_t(id >> 8), uint8_t(id), 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0};
	size_t start = 0;
	for (;;) {
		size_t dot = name.find('.', start);
		std::string label =
		    name.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
		q.push_back(static_cast<uint8_t>(label.size()));
		q.insert(q.end(), label.begin(), label.end());
		if (dot == std::string::npos)
			break;
		start = dot + 1;
	}
	q.insert(q.end(), {0, uint8_t(qtype >> 8), uint8_t(qtype), 0, 1});
	return q;
}

std::string first_a(const uint8_t* p, size_t n, uint16_t id) {
	if (n < 12 || p[0] != (id >> 8) || p[1] != (id & 0xff))
		return "";
	size_t qd = (p[4] << 8) | p[5], an = (p[6] << 8) | p[7], pos = 12;
	for (size_t i = 0; i < qd; ++i)
		if (!skip_name(p, n, pos) || (pos += 4) > n)
			return "";
	for (size_t i = 0; i < an; ++i) {
		if (!skip_name(p, n, pos) || pos + 10 > n)
			return "";
		uint16_t type = (p[pos] << 8) | p[pos + 1];
		uint16_t rdlen = (p[pos + 8] << 8) | p[pos + 9];
		pos += 10;
		if (pos + rdlen > n)
			return "";
		if (type == 1 && rdlen == 4) {
			char text[INET_ADDRSTRLEN];
			inet_ntop(AF_INET, p + pos, text, sizeof(text));
			return text;
		}
		pos += rdlen;
	}
	return "";
}

} // namespace egress::e2e
