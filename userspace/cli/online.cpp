#include "cli/online.h"

#include <cerrno>

namespace egress::cli {

bool daemon_down(const Error& error) {
	return error.code() == ENOENT || error.code() == ECONNREFUSED;
}

Result<std::optional<daemon::ControlClient>> connect_daemon(const std::string& socket) {
	auto client = daemon::ControlClient::connect(socket, std::chrono::seconds(5));
	if (client.ok())
		return std::optional<daemon::ControlClient>(std::move(*client));
	if (daemon_down(client.error()))
		return std::optional<daemon::ControlClient>();
	return std::move(client).error();
}

std::string down_banner(const std::string& pin_dir) {
	return "daemon: down, read from pinned maps (" + pin_dir + ")\n";
}

} // namespace egress::cli
