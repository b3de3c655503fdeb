// A small leveled logger: one line per message, "LEVEL component: text", to stderr by default.
// Thread-safe; the sink can be replaced (tests capture it). Not for the deny log (audit/ owns that).
#pragma once

#include <functional>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>

namespace egress::log {

enum class Level { debug = 0, info = 1, warn = 2, error = 3, off = 4 };

std::string_view level_name(Level level);
std::optional<Level> parse_level(std::string_view name);

void set_level(Level level);
Level level();
bool enabled(Level level);

using Sink = std::function<void(Level, std::string_view line)>;
// Replaces the sink (nullptr restores stderr). Returns the previous one.
Sink set_sink(Sink sink);

void write(Level level, std::string_view component, std::string_view message);

// Streams a message: log::info("kernel") << "attached " << n << " programs";
class Line {
public:
	Line(Level level, std::string_view component) : level_(level), component_(component) {}
	Line(const Line&) = delete;
	~Line() {
		if (enabled(level_))
			write(level_, component_, out_.str());
	}
	template <typename V>
	Line& operator<<(const V& v) {
		if (enabled(level_))
			out_ << v;
		return *this;
	}

private:
	Level level_;
	std::string_view component_;
	std::ostringstream out_;
};

inline Line debug(std::string_view component) {
	return Line(Level::debug, component);
}
inline Line info(std::string_view component) {
	return Line(Level::info, component);
}
inline Line warn(std::string_view component) {
	return Line(Level::warn, component);
}
inline Line error(std::string_view component) {
	return Line(Level::error, component);
}

} // namespace egress::log
