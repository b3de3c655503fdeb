// DNS message parsing (RFC 1035 4.1; compression 4.1.4; AAAA RFC 3596) for untrusted bytes.
//
// The parser never reads outside the given span and rejects, with the offset and the problem,
// every malformed message: a header under 12 bytes, a label over 63 bytes, a name over 255 wire
// bytes, a compression pointer that does not point strictly backwards (forward and self pointers,
// and so loops, are impossible), more than kMaxPointerHops pointers in one name, reserved label
// types (0x40/0x80), an RR or question running past the end, an rdlength past the end, A/AAAA with
// the wrong rdlength, a CNAME whose target does not fill its rdata exactly, and section counts that
// promise more records than the bytes hold. Trailing bytes after the last record are ignored
// (EDNS padding, sloppy servers), as resolvers do.
//
// Names are returned lower case, dotted, without a trailing dot, with the escapes of name.h;
// the root name is "". TTLs with the top bit set are read as 0 (RFC 2181 8).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "common/ip_address.h"
#include "common/result.h"

namespace egress::dns {

inline constexpr size_t kHeaderSize = 12;
inline constexpr int kMaxPointerHops = 64;

enum RrType : uint16_t {
	kTypeA = 1,
	kTypeNs = 2,
	kTypeCname = 5,
	kTypeSoa = 6,
	kTypePtr = 12,
	kTypeMx = 15,
	kTypeTxt = 16,
	kTypeAaaa = 28,
	kTypeOpt = 41,
};
inline constexpr uint16_t kClassIn = 1;

struct Header {
	uint16_t id = 0;
	uint16_t flags = 0;
	uint16_t qdcount = 0, ancount = 0, nscount = 0, arcount = 0;

	bool qr() const { return flags & 0x8000; }
	uint8_t opcode() const { return (flags >> 11) & 0xf; }
	bool aa() const { return flags & 0x0400; }
	bool tc() const { return flags & 0x0200; }
	bool rd() const { return flags & 0x0100; }
	bool ra() const { return flags & 0x0080; }
	uint8_t rcode() const { return flags & 0xf; }
};

struct Question {
	std::string name;
	uint16_t type = 0;
	uint16_t cls = 0;
};

struct ResourceRecord {
	std::string name;
	uint16_t type = 0;
	uint16_t cls = 0;
	uint32_t ttl = 0;
	size_t rdata_offset = 0; // offset of the rdata in the message
	std::vector<uint8_t> rdata;
	// Decoded for the types the learner needs: A/AAAA (class IN) -> address; CNAME -> target.
	IpAddress address{};
	std::string target;

	bool is_address() const { return cls == kClassIn && (type == kTypeA || type == kTypeAaaa); }
};

struct Message {
	Header header;
	std::vector<Question> questions;
	std::vector<ResourceRecord> answers;
	std::vector<ResourceRecord> authorities;
	std::vector<ResourceRecord> additionals;
};

// Errors read "<what> at offset N" (errno EBADMSG).
Result<Message> parse_message(std::span<const uint8_t> bytes);

// Reads one possibly compressed name starting at `offset`; on success `offset` is moved past the
// name as it sits at that place (a pointer counts 2 bytes). Exposed for the resolver and tests.
Result<std::string> read_name(std::span<const uint8_t> bytes, size_t& offset);

// The answer of a response as the learner sees it: the question name, the CNAME chain from it
// (in the order followed), and the A/AAAA records owned by any name of that chain.
struct ChainAddress {
	std::string owner; // the chain name that owns the record
	IpAddress address;
	uint32_t ttl = 0;
};

struct AnswerChain {
	std::string qname;
	std::vector<std::string> names; // qname first, then each CNAME target reached (no repeats)
	std::vector<ChainAddress> addresses;
	uint32_t min_ttl = 0; // smallest TTL of the CNAME links used (0 when none)
};

// Follows CNAMEs in the answer section from the first question's name (a loop or a CNAME to a
// name already in the chain stops the walk). Records owned by names outside the chain are ignored
// (an answer for another name must not teach anything). No question -> empty chain.
AnswerChain answer_chain(const Message& message);

// A standard query with RD set and one question (class IN). Errors: invalid name.
Result<std::vector<uint8_t>> build_query(uint16_t id, std::string_view name, uint16_t type);

} // namespace egress::dns
