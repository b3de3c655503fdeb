#include "resolver/transport.h"

namespace egress::resolver {

std::vector<QueryResult> Transport::resolve_batch(const std::vector<Query>& queries) {
	std::vector<QueryResult> out;
	out.reserve(queries.size());
	for (const auto& q : queries)
		out.push_back(resolve(q.name, q.family));
	return out;
}

} // namespace egress::resolver
