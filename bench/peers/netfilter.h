// The peers, installed inside a benchmark's own network namespace and removed on destruction
// (deleting the namespace would remove them too; the destructors keep a failed run tidy early).
//
//   nftables: table inet aegbench, an interval set of the prefixes, an output (or forward) chain with
//             `ct state established,related accept`, `ip daddr @allowed accept`, policy drop.
//   ipset:    hash:net aegallowed + iptables OUTPUT: conntrack ESTABLISHED,RELATED accept,
//             `-m set --match-set aegallowed dst -j ACCEPT`, policy DROP.
#pragma once

#include <string>
#include <vector>

#include "peers/prefixes.h"

namespace egress::bench::peers {

// Runs argv inside netns (no shell), output to /dev/null; wall time in ms, or -1 if it failed.
// The time includes fork+setns+exec (about a millisecond): that is how these tools are driven.
double timed_exec_ms(const std::string& netns, const std::vector<std::string>& argv);

// A file under /tmp removed on destruction.
class TempFile {
public:
	explicit TempFile(const std::string& content);
	~TempFile();
	TempFile(const TempFile&) = delete;
	TempFile& operator=(const TempFile&) = delete;
	const std::string& path() const { return path_; }

private:
	std::string path_;
};

// `nft -f` input: the table with the set (and, with chain, the chain on `hook`: output for the
// node's own sockets, forward for routed pods). extra_rules go before the set match (e.g. what
// the DNS race needs to reach its resolver).
// interval = false makes a plain hash set of addresses (what dnsmasq --nftset fills best).
std::string nft_ruleset(const std::vector<Prefix>& prefixes, bool chain,
                        const std::vector<std::string>& extra_rules = {}, bool interval = true,
                        const std::string& hook = "output");
// `ipset restore` input creating aegallowed with the prefixes.
std::string ipset_restore_input(const std::vector<Prefix>& prefixes);

class NftPeer {
public:
	NftPeer(std::string netns, const std::vector<Prefix>& prefixes,
	        const std::vector<std::string>& extra_rules = {}, bool interval = true,
	        const std::string& hook = "output");
	~NftPeer();
	NftPeer(const NftPeer&) = delete;
	NftPeer& operator=(const NftPeer&) = delete;

private:
	std::string netns_;
};

class IpsetPeer {
public:
	IpsetPeer(std::string netns, const std::vector<Prefix>& prefixes);
	~IpsetPeer();
	IpsetPeer(const IpsetPeer&) = delete;
	IpsetPeer& operator=(const IpsetPeer&) = delete;

private:
	std::string netns_;
};

} // namespace egress::bench::peers
