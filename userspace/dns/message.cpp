#include "dns/message.h"

#include <arpa/inet.h>
#include <sys/socket.h>

#include <cerrno>

#include "dns/name.h"

namespace egress::dns {
namespace {

Error bad(const std::string& what, size_t offset) {
	return Error(what + " at offset " + std::to_string(offset), EBADMSG);
}

uint16_t get16(std::span<const uint8_t> b, size_t at) {
	return static_cast<uint16_t>(b[at] << 8 | b[at + 1]);
}

uint32_t get32(std::span<const uint8_t> b, size_t at) {
	return static_cast<uint32_t>(get16(b, at)) << 16 | get16(b, at + 2);
}

// Smallest encodings: a question is a root name + type + class, an RR a root name + 10 bytes.
constexpr size_t kMinQuestion = 5;
constexpr size_t kMinRecord = 11;

Result<ResourceRecord> read_record(std::span<const uint8_t> bytes, size_t& pos) {
	ResourceRecord rr;
	size_t start = pos;
	auto name = read_name(bytes, pos);
	if (!name)
		return std::move(name).error();
	rr.name = std::move(*name);
	if (bytes.size() - pos < 10)
		return bad("record header truncated (record starts at " + std::to_string(start) + ")", pos);
	rr.type = get16(bytes, pos);
	rr.cls = get16(bytes, pos + 2);
	rr.ttl = get32(bytes, pos + 4);
	if (rr.ttl & 0x80000000u) // RFC 2181 8: a TTL with the top bit set means 0
		rr.ttl = 0;
	uint16_t rdlength = get16(bytes, pos + 8);
	pos += 10;
	if (bytes.size() - pos < rdlength)
		return bad("rdlength " + std::to_string(rdlength) + " runs past the end (" +
		               std::to_string(bytes.size() - pos) + " bytes left)",
		           pos - 2);
	rr.rdata_offset = pos;
	rr.rdata.assign(bytes.begin() + static_cast<std::ptrdiff_t>(pos),
	                bytes.begin() + static_cast<std::ptrdiff_t>(pos + rdlength));
	if (rr.cls == kClassIn && rr.type == kTypeA) {
		if (rdlength != 4)
			return bad("A record with rdlength " + std::to_string(rdlength), pos - 2);
		rr.address.family = Family::v4;
		std::copy(rr.rdata.begin(), rr.rdata.end(), rr.address.bytes.begin());
	} else if (rr.cls == kClassIn && rr.type == kTypeAaaa) {
		if (rdlength != 16)
			return bad("AAAA record with rdlength " + std::to_string(rdlength), pos - 2);
		rr.address.family = Family::v6;
		std::copy(rr.rdata.begin(), rr.rdata.end(), rr.address.bytes.begin());
	} else if (rr.type == kTypeCname) {
		size_t p = pos;
		auto target = read_name(bytes, p);
		if (!target)
			return std::move(target).error().wrap("CNAME target");
		if (p != pos + rdlength)
			return bad("CNAME target does not fill its rdata (" + std::to_string(p - pos) +
			               " of " + std::to_string(rdlength) + " bytes)",
			           pos);
		rr.target = std::move(*target);
	}
	pos += rdlength;
	return rr;
}

} // namespace

Result<std::string> read_name(std::span<const uint8_t> bytes, size_t& offset) {
	std::vector<std::string> labels;
	size_t pos = offset;
	size_t segment_start = offset; // where the bytes being read now began (after the last jump)
	size_t resume = 0;             // offset after the first pointer, 0 while none was followed
	size_t wire = 1;
	int hops = 0;
	while (true) {
		if (pos >= bytes.size())
			return bad("name runs past the end", pos);
		uint8_t len = bytes[pos];
		if ((len & 0xc0) == 0xc0) {
			if (pos + 1 >= bytes.size())
				return bad("truncated compression pointer", pos);
			size_t target = static_cast<size_t>(len & 0x3f) << 8 | bytes[pos + 1];
			// Only strictly backwards, before everything this name has read so far: every
			// jump lowers segment_start, so loops cannot exist.
			if (target >= segment_start)
				return bad("compression pointer to " + std::to_string(target) +
				               " does not point backwards",
				           pos);
			if (++hops > kMaxPointerHops)
				return bad("more than " + std::to_string(kMaxPointerHops) +
				               " compression pointers",
				           pos);
			if (!resume)
				resume = pos + 2;
			pos = target;
			segment_start = target;
			continue;
		}
		if (len & 0xc0)
			return bad("label length " + std::to_string(len) + " over 63 (reserved label type)",
			           pos);
		if (len == 0) {
			++pos;
			break;
		}
		if (bytes.size() - pos - 1 < len)
			return bad("label runs past the end", pos);
		wire += 1 + len;
		if (wire > kMaxWireNameLength)
			return bad("name longer than 255 bytes", pos);
		labels.emplace_back(reinterpret_cast<const char*>(bytes.data() + pos + 1), len);
		pos += 1 + len;
	}
	offset = resume ? resume : pos;
	return join_labels(labels, true);
}

Result<Message> parse_message(std::span<const uint8_t> bytes) {
	if (bytes.size() < kHeaderSize)
		return bad("truncated header (" + std::to_string(bytes.size()) + " of 12 bytes)", 0);
	Message m;
	Header& h = m.header;
	h.id = get16(bytes, 0);
	h.flags = get16(bytes, 2);
	h.qdcount = get16(bytes, 4);
	h.ancount = get16(bytes, 6);
	h.nscount = get16(bytes, 8);
	h.arcount = get16(bytes, 10);
	size_t records = size_t{h.ancount} + h.nscount + h.arcount;
	if (size_t{h.qdcount} * kMinQuestion + records * kMinRecord > bytes.size() - kHeaderSize)
		return bad("counts (qd " + std::to_string(h.qdcount) + ", an " + std::to_string(h.ancount) +
		               ", ns " + std::to_string(h.nscount) + ", ar " + std::to_string(h.arcount) +
		               ") promise more records than " + std::to_string(bytes.size()) + " bytes hold",
		           4);

	size_t pos = kHeaderSize;
	m.questions.reserve(h.qdcount);
	for (size_t i = 0; i < h.qdcount; ++i) {
		Question q;
		auto name = read_name(bytes, pos);
		if (!name)
			return std::move(name).error().wrap("question " + std::to_string(i));
		if (bytes.size() - pos < 4)
			return bad("question " + std::to_string(i) + " truncated", pos);
		q.name = std::move(*name);
		q.type = get16(bytes, pos);
		q.cls = get16(bytes, pos + 2);
		pos += 4;
		m.questions.push_back(std::move(q));
	}
	struct Section {
		const char* what;
		uint16_t count;
		std::vector<ResourceRecord>* out;
	};
	for (const Section& s :
	     {Section{"answer", h.ancount, &m.answers}, Section{"authority", h.nscount, &m.authorities},
	      Section{"additional", h.arcount, &m.additionals}}) {
		s.out->reserve(s.count);
		for (size_t i = 0; i < s.count; ++i) {
			auto rr = read_record(bytes, pos);
			if (!rr)
				return std::move(rr).error().wrap(std::string(s.what) + " " +
				                                  std::to_string(i));
			s.out->push_back(std::move(*rr));
		}
	}
	return m;
}

} // namespace egress::dns
