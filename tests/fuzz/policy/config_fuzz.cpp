// Fuzzes parse_config (YAML and JSON). Beyond "no crash, no sanitizer report", a config that parses
// must survive its own rendering: to_json() never throws and parses back to an equal Config.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "policy/config.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
	std::string_view text(reinterpret_cast<const char*>(data), size);
	auto config = egress::policy::parse_config(text, "fuzz");
	if (!config.ok())
		return 0;
	std::string rendered = egress::policy::to_json(*config).dump();
	auto again = egress::policy::parse_config(rendered, "fuzz-render");
	if (!again.ok() || !(*again == *config))
		__builtin_trap();
	return 0;
}
