// A scripted Transport: answers (or fails) per name and family, records every query with the
// time it was asked, and can make each batch take time on a ManualClock.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "common/clock.h"
#include "resolver/transport.h"

namespace egress::resolver::testing {

class FakeTransport final : public Transport {
public:
	explicit FakeTransport(ManualClock& clock) : clock_(clock) {}

	struct Asked {
		std::string name;
		Family family;
		std::uint64_t at_ns;
	};

	void answer(const std::string& name, Family family, std::vector<Answer> answers) {
		script_.insert_or_assign({name, family}, QueryResult(std::move(answers)));
	}
	void fail(const std::string& name, Family family, const std::string& why = "timeout") {
		script_.insert_or_assign({name, family}, QueryResult(Error(why, ETIMEDOUT)));
	}
	// Each batch advances the clock by this much (the time the answers take to arrive).
	void set_latency(std::chrono::nanoseconds latency) { latency_ = latency; }

	QueryResult resolve(const std::string& name, Family family) override {
		asked_.push_back({name, family, clock_.boot_ns()});
		auto it = script_.find({name, family});
		if (it == script_.end())
			return std::vector<Answer>{}; // NODATA
		return it->second;
	}

	std::vector<QueryResult> resolve_batch(const std::vector<Query>& queries) override {
		++batches_;
		auto out = Transport::resolve_batch(queries);
		clock_.advance(latency_);
		return out;
	}

	const std::vector<Asked>& asked() const { return asked_; }
	std::vector<std::uint64_t> asked_at(const std::string& name, Family family) const {
		std::vector<std::uint64_t> out;
		for (const auto& a : asked_)
			if (a.name == name && a.family == family)
				out.push_back(a.at_ns);
		return out;
	}
	int batches() const { return batches_; }
	void clear() { asked_.clear(); }

private:
	ManualClock& clock_;
	std::map<std::pair<std::string, Family>, QueryResult> script_;
	std::vector<Asked> asked_;
	std::chrono::nanoseconds latency_{0};
	int batches_ = 0;
};

inline Answer v4(const char* text, std::uint32_t ttl) {
	Answer a;
	a.address = *parse_ip(text);
	a.ttl_seconds = ttl;
	return a;
}

} // namespace egress::resolver::testing
