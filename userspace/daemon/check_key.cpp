#include "daemon/check_key.h"

#include <sys/random.h>

#include <algorithm>
#include <cerrno>
#include <limits>

namespace egress::daemon {
namespace {

uint32_t seconds(std::chrono::seconds s) {
	return static_cast<uint32_t>(std::clamp<int64_t>(s.count(), 0, std::numeric_limits<uint32_t>::max()));
}

} // namespace

Result<uint64_t> random_check_key() {
	for (int attempt = 0; attempt < 4; ++attempt) {
		uint64_t key = 0;
		ssize_t n = getrandom(&key, sizeof(key), 0);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return Error::from_errno(errno, "getrandom (the name-rule check key)");
		}
		if (n == sizeof(key) && key != 0)
			return key;
	}
	return Error("getrandom gave no usable check key", EIO);
}

Result<CheckKeyChoice> choose_check_key(const kernel::DnsMaps& maps, bool adopted) {
	if (adopted) {
		auto stored = maps.read_settings();
		if (!stored.ok())
			return std::move(stored).error();
		if (stored->check_key != 0)
			return CheckKeyChoice{stored->check_key, false};
		// Key 0 is valid: entries hashed with it must keep it. Without entries nothing depends
		// on it, and a random key can take its place.
		auto names = maps.names();
		if (!names.ok())
			return std::move(names).error();
		auto entries = names->entries();
		if (!entries.ok())
			return std::move(entries).error().wrap("reading egress_names");
		if (!entries->empty())
			return CheckKeyChoice{0, false};
	}
	auto key = random_check_key();
	if (!key.ok())
		return std::move(key).error();
	return CheckKeyChoice{*key, true};
}

egress_dns_settings dns_settings(uint64_t check_key, const policy::DnsSettings& dns) {
	egress_dns_settings s{};
	s.check_key = check_key;
	s.min_ttl_s = seconds(dns.min_ttl);
	s.max_ttl_s = seconds(dns.max_ttl);
	s.grace_s = seconds(dns.grace);
	s.query_policy = dns.query_policy == policy::QueryPolicy::any ? EGRESS_QUERY_POLICY_ANY
	                                                              : EGRESS_QUERY_POLICY_ALLOWED;
	// max 0 would make the kernel fall back to its defaults (an all-zero entry means "unset").
	if (s.max_ttl_s == 0)
		s.max_ttl_s = 1;
	return s;
}

} // namespace egress::daemon
