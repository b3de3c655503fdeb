#include "daemon/control_client.h"

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace egress::daemon {

using nlohmann::json;

Result<ControlClient> ControlClient::connect(const std::string& socket_path,
                                             std::chrono::milliseconds timeout) {
	sockaddr_un addr{};
	addr.sun_family = AF_UNIX;
	if (socket_path.size() >= sizeof(addr.sun_path))
		return Error("socket path too long: " + socket_path, ENAMETOOLONG);
	std::memcpy(addr.sun_path, socket_path.c_str(), socket_path.size() + 1);
	UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
	if (!fd)
		return Error::from_errno(errno, "socket");
	if (::connect(fd.get(), reinterpret_cast<const sockaddr*>(&addr), sizeof(addr)) != 0)
		return Error::from_errno(errno, "connecting to egressd at " + socket_path);
	return ControlClient(std::move(fd), timeout);
}

Status ControlClient::send_line(const std::string& line) {
	std::string out = line + "\n";
	size_t done = 0;
	while (done < out.size()) {
		ssize_t n = ::send(fd_.get(), out.data() + done, out.size() - done, MSG_NOSIGNAL);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return Error::from_errno(errno, "sending to egressd");
		}
		done += static_cast<size_t>(n);
	}
	return ok_status();
}

Result<std::string> ControlClient::read_line(bool wait_forever) {
	auto deadline = std::chrono::steady_clock::now() + timeout_;
	for (;;) {
		if (auto nl = buffer_.find('\n'); nl != std::string::npos) {
			std::string line = buffer_.substr(0, nl);
			buffer_.erase(0, nl + 1);
			return line;
		}
		if (buffer_.size() > 16 * control::kMaxRequestBytes)
			return Error("egressd sent an over-long line", EMSGSIZE);
		int wait_ms = -1;
		if (!wait_forever) {
			auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
			    deadline - std::chrono::steady_clock::now());
			if (left.count() <= 0)
				return Error("egressd did not answer within " +
				                 std::to_string(timeout_.count()) + " ms",
				             ETIMEDOUT);
			wait_ms = static_cast<int>(left.count());
		}
		pollfd p{fd_.get(), POLLIN, 0};
		int r = ::poll(&p, 1, wait_ms);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return Error::from_errno(errno, "waiting for egressd");
		}
		if (r == 0)
			continue; // the deadline check above reports it
		char buf[65536];
		ssize_t n = ::recv(fd_.get(), buf, sizeof(buf), 0);
		if (n < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			return Error::from_errno(errno, "reading from egressd");
		}
		if (n == 0)
			return Error("egressd closed the connection", ECONNRESET);
		buffer_.append(buf, static_cast<size_t>(n));
	}
}

Result<json> ControlClient::call(const control::Request& request) {
	EGRESS_TRY(send_line(control::encode_request(request)));
	auto line = read_line();
	if (!line.ok())
		return std::move(line).error();
	auto response = control::decode_response(*line);
	if (!response.ok())
		return std::move(response).error();
	if (!response->ok)
		return Error(response->error, response->code);
	return std::move(response->result);
}

namespace {
control::Request request(control::Command cmd) {
	control::Request r;
	r.cmd = cmd;
	return r;
}
} // namespace

Result<json> ControlClient::status() {
	return call(request(control::Command::status));
}

Result<json> ControlClient::ips() {
	return call(request(control::Command::ips));
}

Result<json> ControlClient::check(const std::string& dest, const std::string& proto) {
	auto r = request(control::Command::check);
	r.dest = dest;
	r.proto = proto;
	return call(r);
}

Result<json> ControlClient::denies(const std::string& since, std::size_t limit) {
	auto r = request(control::Command::denies);
	r.since = since;
	r.limit = limit;
	return call(r);
}

Result<json> ControlClient::reload() {
	return call(request(control::Command::reload));
}

Status ControlClient::follow_denies(const std::string& since, std::size_t limit,
                                    const std::function<bool(const json&)>& on_deny) {
	auto req = request(control::Command::denies);
	req.since = since;
	req.limit = limit;
	req.follow = true;
	auto first = call(req);
	if (!first.ok())
		return std::move(first).error();
	if (first->contains("lines"))
		for (const auto& line : (*first)["lines"])
			if (!on_deny(line))
				return ok_status();
	for (;;) {
		auto line = read_line(true);
		if (!line.ok()) {
			if (line.error().code() == ECONNRESET)
				return ok_status(); // the daemon went away: the stream ends
			return std::move(line).error();
		}
		auto item = control::decode_stream_item(*line);
		if (!item.ok())
			return std::move(item).error();
		if (item->deny && !on_deny(*item->deny))
			return ok_status();
	}
}

} // namespace egress::daemon
