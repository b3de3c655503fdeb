// The keyed check hash of the name-rule map (include/egress/name_hash.h) and the DNS learning
// settings the kernel reads next to it (egress_dns_cfg).
//
// The key is random per installation, so nobody can search offline for a name whose hashes
// collide with an allowed one. It lives in the pinned settings map: a restarted or upgraded egressd
// reads it back and keeps it, because every name entry in egress_names was hashed with it. It is
// only ever replaced while no name entry exists (a fresh install, or an adopted installation that
// never had a key and holds no names), so the kernel never sees entries and key disagree.
#pragma once

#include <cstdint>

#include <egress/abi.h>

#include "common/result.h"
#include "kernel/dns_maps.h"
#include "policy/config.h"

namespace egress::daemon {

// A random, non-zero key from getrandom(2).
Result<uint64_t> random_check_key();

struct CheckKeyChoice {
	uint64_t key = 0;
	bool generated = false; // a new key (else: the one found in the pinned settings)
};

// The key for a datapath just loaded: the stored one when the installation was adopted, else a
// new random one (also when the adopted key is 0 and egress_names is empty).
Result<CheckKeyChoice> choose_check_key(const kernel::DnsMaps& maps, bool adopted);

// The settings the kernel learner reads: the key, the TTL clamp and grace of config `dns`.
egress_dns_settings dns_settings(uint64_t check_key, const policy::DnsSettings& dns);

} // namespace egress::daemon
