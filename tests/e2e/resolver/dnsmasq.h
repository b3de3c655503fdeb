// A real dnsmasq serving fixed records inside a test network namespace, killed and reaped on
// destruction. Only the records given are answered (no upstream, no /etc/hosts, no config file);
// every other name gets REFUSED.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "fixtures.h"

namespace egress::resolver::e2e {

struct DnsmasqConfig {
	std::string netns;         // where it runs (a NetnsPair side)
	std::string listen;        // an address of that namespace
	std::uint16_t port = 5300; // the namespace is private: any port is free
	int local_ttl = 0;         // dnsmasq's default: local answers carry TTL 0
	// dnsmasq options naming the records: "--host-record=name,10.1.2.3", "--address=/gone.test/"...
	std::vector<std::string> records;
};

class Dnsmasq {
public:
	// Starts it and waits until it answers on its port; throws (failing the test) otherwise.
	explicit Dnsmasq(DnsmasqConfig config);
	~Dnsmasq();
	Dnsmasq(const Dnsmasq&) = delete;
	Dnsmasq& operator=(const Dnsmasq&) = delete;

	std::string server() const; // "ip:port" for the transport
	std::string log() const;    // its query log so far (for failure messages)

private:
	DnsmasqConfig config_;
	std::string log_path_;
	std::unique_ptr<testlib::ChildProcess> process_;
};

} // namespace egress::resolver::e2e
