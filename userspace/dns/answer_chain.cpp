#include <algorithm>
#include <set>

#include "dns/message.h"

namespace egress::dns {

AnswerChain answer_chain(const Message& message) {
	AnswerChain chain;
	if (message.questions.empty())
		return chain;
	chain.qname = message.questions.front().name;
	chain.names.push_back(chain.qname);
	std::set<std::string> in_chain{chain.qname};
	bool have_link_ttl = false;
	// Each pass adds at least one name or stops, so at most answers.size() passes.
	for (bool grew = true; grew;) {
		grew = false;
		for (const auto& rr : message.answers) {
			if (rr.type != kTypeCname || rr.cls != kClassIn || !in_chain.count(rr.name))
				continue;
			if (!in_chain.insert(rr.target).second)
				continue; // a loop, or a second path to a name already in the chain
			chain.names.push_back(rr.target);
			chain.min_ttl = have_link_ttl ? std::min(chain.min_ttl, rr.ttl) : rr.ttl;
			have_link_ttl = true;
			grew = true;
		}
	}
	for (const auto& rr : message.answers)
		if (rr.is_address() && in_chain.count(rr.name))
			chain.addresses.push_back(ChainAddress{rr.name, rr.address, rr.ttl});
	return chain;
}

} // namespace egress::dns
