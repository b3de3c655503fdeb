// CaresTransport: the real Transport, asking explicit DNS servers through c-ares.
//
// Only the servers given are asked (never /etc/resolv.conf's search domains or /etc/hosts: the
// query is sent for the exact name as written). A query is retried `tries` times per server, each
// try waiting `timeout`; a batch runs all its queries concurrently on one channel, so a batch
// takes at most about timeout x tries x servers, however many names it holds.
//
// Not thread-safe: one caller at a time (the daemon's loop).
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "common/result.h"
#include "resolver/transport.h"

namespace egress::resolver {

struct CaresOptions {
	// "10.0.0.10", "10.0.0.10:5353", "fd00::10", "[fd00::10]:5353" (port 53 when none).
	std::vector<std::string> servers;
	std::chrono::milliseconds timeout = std::chrono::seconds(2); // per try
	int tries = 2;
};

class CaresTransport final : public Transport {
public:
	// Errors: no servers, a server that is not an address[:port], c-ares initialisation.
	static Result<std::unique_ptr<CaresTransport>> create(const CaresOptions& options);
	~CaresTransport() override;
	CaresTransport(const CaresTransport&) = delete;
	CaresTransport& operator=(const CaresTransport&) = delete;

	QueryResult resolve(const std::string& name, Family family) override;
	std::vector<QueryResult> resolve_batch(const std::vector<Query>& queries) override;

	// The servers as c-ares takes them ("10.0.0.10:53,[fd00::10]:5353").
	const std::string& servers_csv() const { return servers_csv_; }

	struct Channel; // c-ares state, defined in the .cpp so c-ares headers stay out of this one

private:
	CaresTransport(std::unique_ptr<Channel> channel, std::string servers_csv,
	               std::chrono::milliseconds budget);

	std::unique_ptr<Channel> channel_;
	std::string servers_csv_;
	std::chrono::milliseconds budget_; // the longest a batch may take before it is cancelled
};

// Parses one server spec into c-ares' "ip:port" / "[ip6]:port" form. Exposed for tests.
Result<std::string> cares_server(std::string_view spec);

} // namespace egress::resolver
