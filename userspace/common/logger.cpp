#include "logger.h"

#include <atomic>
#include <cstdio>
#include <mutex>
#include <utility>

namespace egress::log {
namespace {

std::atomic<Level> g_level{Level::info};
std::mutex g_mutex;
Sink g_sink; // guarded by g_mutex; empty means stderr

} // namespace

std::string_view level_name(Level level) {
	switch (level) {
	case Level::debug:
		return "debug";
	case Level::info:
		return "info";
	case Level::warn:
		return "warn";
	case Level::error:
		return "error";
	case Level::off:
		return "off";
	}
	return "?";
}

std::optional<Level> parse_level(std::string_view name) {
	for (Level l : {Level::debug, Level::info, Level::warn, Level::error, Level::off})
		if (name == level_name(l))
			return l;
	return std::nullopt;
}

void set_level(Level level) {
	g_level.store(level, std::memory_order_relaxed);
}
Level level() {
	return g_level.load(std::memory_order_relaxed);
}
bool enabled(Level l) {
	return l >= level() && l != Level::off;
}

Sink set_sink(Sink sink) {
	std::lock_guard lock(g_mutex);
	return std::exchange(g_sink, std::move(sink));
}

void write(Level l, std::string_view component, std::string_view message) {
	if (!enabled(l))
		return;
	std::string line;
	line.reserve(component.size() + message.size() + 16);
	line += level_name(l);
	line += ' ';
	line += component;
	line += ": ";
	line += message;
	std::lock_guard lock(g_mutex);
	if (g_sink) {
		g_sink(l, line);
		return;
	}
	line += '\n';
	std::fwrite(line.data(), 1, line.size(), stderr);
}

} // namespace egress::log
