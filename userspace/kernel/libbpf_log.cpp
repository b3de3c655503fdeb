#include "kernel/libbpf_log.h"

#include <bpf/libbpf.h>

#include <cstdarg>
#include <cstdio>
#include <mutex>
#include <utility>

#include "common/logger.h"

namespace egress::kernel {
namespace {

constexpr size_t kMaxKept = 256 * 1024; // a verifier log can be large; keep the tail
std::mutex g_mutex;
std::string g_kept;

int print(enum libbpf_print_level level, const char* fmt, va_list args) {
	char buf[4096];
	int n = vsnprintf(buf, sizeof(buf), fmt, args);
	if (n <= 0)
		return n;
	std::string_view text(buf, std::min<size_t>(static_cast<size_t>(n), sizeof(buf) - 1));
	{
		std::lock_guard lock(g_mutex);
		g_kept.append(text);
		if (g_kept.size() > kMaxKept)
			g_kept.erase(0, g_kept.size() - kMaxKept);
	}
	if (level == LIBBPF_WARN) {
		while (!text.empty() && text.back() == '\n')
			text.remove_suffix(1);
		log::write(log::Level::warn, "libbpf", text);
	}
	return n;
}

} // namespace

void install_libbpf_logger() {
	libbpf_set_print(print);
}

std::string take_libbpf_log() {
	std::lock_guard lock(g_mutex);
	return std::exchange(g_kept, {});
}

} // namespace egress::kernel
