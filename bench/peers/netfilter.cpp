#include "peers/netfilter.h"

#include <fcntl.h>
#include <unistd.h>

#include <chrono>
#include <stdexcept>

#include "fixtures.h"
#include "system.h"

namespace egress::bench::peers {

double timed_exec_ms(const std::string& netns, const std::vector<std::string>& argv) {
	auto t0 = std::chrono::steady_clock::now();
	int rc = testlib::run_in(netns, nullptr, [&]() -> int {
		int null = open("/dev/null", O_WRONLY);
		dup2(null, 1);
		dup2(null, 2);
		std::vector<char*> args;
		for (const auto& a : argv)
			args.push_back(const_cast<char*>(a.c_str()));
		args.push_back(nullptr);
		execvp(args[0], args.data());
		return 127;
	});
	auto t1 = std::chrono::steady_clock::now();
	return rc == 0 ? std::chrono::duration<double, std::milli>(t1 - t0).count() : -1;
}

TempFile::TempFile(const std::string& content) {
	// The creator's pid in the name lets bench/run.sh remove what a killed run left.
	std::string tmpl = "/tmp/aegbench" + std::to_string(getpid()) + "-XXXXXX";
	int fd = mkstemp(tmpl.data());
	if (fd < 0)
		throw std::runtime_error("mkstemp failed");
	close(fd);
	path_ = tmpl;
	testlib::write_file(path_, content);
}

TempFile::~TempFile() {
	unlink(path_.c_str());
}

std::string nft_ruleset(const std::vector<Prefix>& prefixes, bool chain,
                        const std::vector<std::string>& extra_rules, bool interval, const std::string& hook) {
	std::string s = "table inet aegbench {\n\tset allowed {\n\t\ttype ipv4_addr\n";
	if (interval)
		s += "\t\tflags interval\n";
	if (!prefixes.empty()) {
		s += "\t\telements = {\n";
		for (size_t i = 0; i < prefixes.size(); ++i)
			s += "\t\t\t" + prefix_text(prefixes[i]) + (i + 1 < prefixes.size() ? ",\n" : "\n");
		s += "\t\t}\n";
	}
	s += "\t}\n";
	if (chain) {
		s += "\tchain filter {\n\t\ttype filter hook " + hook +
		     " priority 0; policy drop;\n"
		     "\t\tct state established,related accept\n";
		for (const auto& r : extra_rules)
			s += "\t\t" + r + "\n";
		s += "\t\tip daddr @allowed accept\n\t}\n";
	}
	return s + "}\n";
}

std::string ipset_restore_input(const std::vector<Prefix>& prefixes) {
	std::string s = "create aegallowed hash:net family inet hashsize 65536 maxelem 262144\n";
	for (const auto& p : prefixes)
		s += "add aegallowed " + prefix_text(p) + "\n";
	return s;
}

NftPeer::NftPeer(std::string netns, const std::vector<Prefix>& prefixes,
                 const std::vector<std::string>& extra_rules, bool interval, const std::string& hook)
    : netns_(std::move(netns)) {
	TempFile f(nft_ruleset(prefixes, true, extra_rules, interval, hook));
	if (timed_exec_ms(netns_, {"nft", "-f", f.path()}) < 0)
		throw std::runtime_error("nft -f failed in " + netns_);
}

NftPeer::~NftPeer() {
	(void)timed_exec_ms(netns_, {"nft", "delete", "table", "inet", "aegbench"});
}

IpsetPeer::IpsetPeer(std::string netns, const std::vector<Prefix>& prefixes) : netns_(std::move(netns)) {
	TempFile f(ipset_restore_input(prefixes));
	if (timed_exec_ms(netns_, {"ipset", "restore", "-file", f.path()}) < 0)
		throw std::runtime_error("ipset restore failed in " + netns_);
	const std::vector<std::vector<std::string>> rules = {
	    {"iptables", "-w", "-A", "OUTPUT", "-m", "conntrack", "--ctstate", "ESTABLISHED,RELATED", "-j",
	     "ACCEPT"},
	    {"iptables", "-w", "-A", "OUTPUT", "-m", "set", "--match-set", "aegallowed", "dst", "-j",
	     "ACCEPT"},
	    {"iptables", "-w", "-P", "OUTPUT", "DROP"},
	};
	for (const auto& r : rules)
		if (timed_exec_ms(netns_, r) < 0)
			throw std::runtime_error("iptables failed in " + netns_);
}

IpsetPeer::~IpsetPeer() {
	(void)timed_exec_ms(netns_, {"iptables", "-w", "-P", "OUTPUT", "ACCEPT"});
	(void)timed_exec_ms(netns_, {"iptables", "-w", "-F", "OUTPUT"});
	(void)timed_exec_ms(netns_, {"ipset", "destroy", "aegallowed"});
}

} // namespace egress::bench::peers
