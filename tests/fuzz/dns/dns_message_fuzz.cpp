// libFuzzer target: DNS message parser (untrusted bytes from the network).
//
// Invariants checked on every input, beyond "no crash, no out-of-bounds read" (ASan/UBSan):
//  1. every name the parser returns is canonical: normalize_name() gives it back unchanged;
//  2. re-parse stability: the parsed message, re-encoded without compression, parses to the same
//     message (names, types, classes, TTLs, rdata of non-CNAME records, CNAME targets);
//  3. answer_chain() stays inside the chain: unique names, starting at the question, and every
//     address owned by one of them;
//  4. for every name that the kernel can walk, the hash-based kernel lookup agrees with the
//     NameMatcher on a fixed pattern set.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <set>
#include <string>
#include <vector>

#include "dns/message.h"
#include "dns/name.h"
#include "dns/name_match.h"
#include "dns/name_rules.h"

using namespace egress::dns;

namespace {

[[noreturn]] void fail(const char* what, const std::string& detail) {
	std::fprintf(stderr, "invariant violated: %s: %s\n", what, detail.c_str());
	std::abort();
}

void put16(std::vector<uint8_t>& b, uint16_t v) {
	b.push_back(static_cast<uint8_t>(v >> 8));
	b.push_back(static_cast<uint8_t>(v));
}

void put_name(std::vector<uint8_t>& b, const std::string& name) {
	if (name.empty()) {
		b.push_back(0);
		return;
	}
	auto wire = encode_name(name);
	if (!wire.ok())
		fail("parsed name does not encode", name + ": " + wire.error().to_string());
	b.insert(b.end(), wire->begin(), wire->end());
}

void put_record(std::vector<uint8_t>& b, const ResourceRecord& rr) {
	put_name(b, rr.name);
	put16(b, rr.type);
	put16(b, rr.cls);
	put16(b, static_cast<uint16_t>(rr.ttl >> 16));
	put16(b, static_cast<uint16_t>(rr.ttl));
	std::vector<uint8_t> rdata = rr.rdata;
	if (rr.type == kTypeCname) {
		rdata.clear();
		put_name(rdata, rr.target);
	}
	put16(b, static_cast<uint16_t>(rdata.size()));
	b.insert(b.end(), rdata.begin(), rdata.end());
}

std::vector<uint8_t> encode(const Message& m) {
	std::vector<uint8_t> b;
	put16(b, m.header.id);
	put16(b, m.header.flags);
	put16(b, static_cast<uint16_t>(m.questions.size()));
	put16(b, static_cast<uint16_t>(m.answers.size()));
	put16(b, static_cast<uint16_t>(m.authorities.size()));
	put16(b, static_cast<uint16_t>(m.additionals.size()));
	for (const auto& q : m.questions) {
		put_name(b, q.name);
		put16(b, q.type);
		put16(b, q.cls);
	}
	for (const auto* s : {&m.answers, &m.authorities, &m.additionals})
		for (const auto& rr : *s)
			put_record(b, rr);
	return b;
}

void check_name(const std::string& name) {
	if (name.empty())
		return; // the root
	auto n = normalize_name(name);
	if (!n.ok() || *n != name)
		fail("name not canonical", name);
}

bool same_records(const std::vector<ResourceRecord>& a, const std::vector<ResourceRecord>& b) {
	if (a.size() != b.size())
		return false;
	for (size_t i = 0; i < a.size(); ++i) {
		const auto &x = a[i], &y = b[i];
		if (x.name != y.name || x.type != y.type || x.cls != y.cls || x.ttl != y.ttl ||
		    x.target != y.target || x.address != y.address)
			return false;
		if (x.type != kTypeCname && x.rdata != y.rdata)
			return false;
	}
	return true;
}

struct Patterns {
	NameMatcher matcher;
	std::vector<NameRuleEntry> entries;
	Patterns() {
		std::vector<NameRuleInput> in;
		for (const char* text :
		     {"example.com", "*.example.com", "**.example.net", "a.b", "*.a", "**.com"}) {
			auto p = Pattern::parse(text);
			if (!p.ok())
				std::abort();
			in.push_back({*p, static_cast<uint32_t>(matcher.add(*p)), {}});
		}
		auto e = rule_entries(in);
		if (!e.ok())
			std::abort();
		entries = *e;
	}
};

void check_kernel_agreement(const std::string& name) {
	static const Patterns patterns;
	static const KernelNameTable table(patterns.entries);
	auto labels = split_name(name);
	if (!labels.ok() || labels->size() > EGRESS_DNS_MAX_LABELS)
		return;
	auto want = patterns.matcher.match(name);
	auto got = table.match(name);
	if (want.has_value() != got.has_value() || (want && want->rule != got->rule_id))
		fail("kernel lookup disagrees with the matcher", name);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
	auto parsed = parse_message(std::span<const uint8_t>(data, size));
	if (!parsed.ok()) {
		if (parsed.error().message().find(" at offset ") == std::string::npos)
			fail("error without an offset", parsed.error().to_string());
		return 0;
	}
	const Message& m = *parsed;

	for (const auto& q : m.questions) {
		check_name(q.name);
		check_kernel_agreement(q.name);
	}
	for (const auto* s : {&m.answers, &m.authorities, &m.additionals})
		for (const auto& rr : *s) {
			check_name(rr.name);
			check_name(rr.target);
			check_kernel_agreement(rr.name);
			if (rr.rdata_offset + rr.rdata.size() > size)
				fail("rdata outside the message", rr.name);
		}

	auto again = parse_message(encode(m));
	if (!again.ok())
		fail("re-encoded message does not parse", again.error().to_string());
	const Message& r = *again;
	if (r.header.id != m.header.id || r.header.flags != m.header.flags ||
	    r.questions.size() != m.questions.size())
		fail("re-parse changed the header", "");
	for (size_t i = 0; i < m.questions.size(); ++i)
		if (r.questions[i].name != m.questions[i].name ||
		    r.questions[i].type != m.questions[i].type || r.questions[i].cls != m.questions[i].cls)
			fail("re-parse changed a question", m.questions[i].name);
	if (!same_records(m.answers, r.answers) || !same_records(m.authorities, r.authorities) ||
	    !same_records(m.additionals, r.additionals))
		fail("re-parse changed a record", "");

	AnswerChain chain = answer_chain(m);
	std::set<std::string> names(chain.names.begin(), chain.names.end());
	if (names.size() != chain.names.size())
		fail("chain repeats a name", "");
	if (!m.questions.empty() && (chain.names.empty() || chain.names.front() != m.questions.front().name))
		fail("chain does not start at the question", "");
	if (chain.names.size() > 1 + m.answers.size())
		fail("chain longer than the answers", "");
	for (const auto& a : chain.addresses)
		if (!names.count(a.owner))
			fail("address outside the chain", a.owner);
	return 0;
}
