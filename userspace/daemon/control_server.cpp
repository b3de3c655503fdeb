#include "daemon/control_server.h"

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <optional>

#include "common/logger.h"
#include "common/unique_handle.h"
#include "daemon/stream_server.h"

namespace egress::daemon {

namespace {

constexpr size_t kMaxQueuedBytes = 1 << 20;

Result<sockaddr_un> unix_address(const std::string& path) {
	sockaddr_un addr{};
	addr.sun_family = AF_UNIX;
	if (path.size() >= sizeof(addr.sun_path))
		return Error("control socket path too long: " + path, ENAMETOOLONG);
	std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
	return addr;
}

// A socket file nobody accepts on is stale (a killed daemon's): remove it. A live one is an error.
Status clear_stale(const std::string& path, const sockaddr_un& addr) {
	struct stat st {};
	if (lstat(path.c_str(), &st) != 0)
		return errno == ENOENT ? ok_status() : Error::from_errno(errno, "stat " + path);
	if (!S_ISSOCK(st.st_mode))
		return Error(path + " exists and is not a socket: refusing to replace it", EEXIST);
	UniqueFd probe(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
	if (probe && ::connect(probe.get(), reinterpret_cast<const sockaddr*>(&addr), sizeof(addr)) == 0)
		return Error("another egressd is listening on " + path, EADDRINUSE);
	if (unlink(path.c_str()) != 0 && errno != ENOENT)
		return Error::from_errno(errno, "removing stale socket " + path);
	log::info("control") << "removed stale control socket " << path;
	return ok_status();
}

} // namespace

struct ControlServer::Impl {
	std::string path;
	Handler handler;
	std::optional<StreamServer> server;

	~Impl() {
		if (server) {
			server.reset();
			unlink(path.c_str());
		}
	}

	void answer(StreamServer::Connection& c, const std::string& line) {
		control::Response r;
		bool follow = false;
		auto req = control::decode_request(line);
		if (!req.ok()) {
			r = control::error_response(req.error());
		} else {
			r = handler(*req);
			follow = req->cmd == control::Command::denies && req->follow && r.ok;
		}
		c.out += control::encode_response(r) + "\n";
		c.follower = c.follower || follow;
	}

	// Line-delimited requests (control_protocol.h): every complete line is answered in order.
	void on_input(StreamServer::Connection& c) {
		size_t nl;
		while ((nl = c.in.find('\n')) != std::string::npos) {
			std::string line = c.in.substr(0, nl);
			c.in.erase(0, nl + 1);
			if (!line.empty() && line.back() == '\r')
				line.pop_back();
			if (!line.empty())
				answer(c, line);
		}
	}
};

Result<ControlServer> ControlServer::listen(const std::string& path, Handler handler) {
	auto impl = std::make_unique<Impl>();
	impl->path = path;
	impl->handler = std::move(handler);
	auto addr = unix_address(path);
	if (!addr.ok())
		return std::move(addr).error();
	auto dir = std::filesystem::path(path).parent_path();
	if (!dir.empty() && !std::filesystem::exists(dir)) {
		std::error_code ec;
		std::filesystem::create_directories(dir, ec);
		if (ec)
			return Error("creating " + dir.string() + ": " + ec.message(), ec.value());
		chmod(dir.c_str(), 0700);
	}
	EGRESS_TRY(clear_stale(path, *addr));
	UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
	if (!fd)
		return Error::from_errno(errno, "socket");
	// umask makes the socket 0600 from its creation: no window in which others could connect.
	mode_t old = umask(0177);
	int rc = ::bind(fd.get(), reinterpret_cast<const sockaddr*>(&*addr), sizeof(*addr));
	int err = errno;
	umask(old);
	if (rc != 0)
		return Error::from_errno(err, "binding control socket " + path);
	if (chmod(path.c_str(), 0600) != 0)
		return Error::from_errno(errno, "chmod 0600 " + path);
	if (::listen(fd.get(), 64) != 0)
		return Error::from_errno(errno, "listening on " + path);
	Impl* self = impl.get();
	StreamServer::Protocol protocol;
	protocol.on_input = [self](StreamServer::Connection& c) { self->on_input(c); };
	protocol.max_input = control::kMaxRequestBytes;
	protocol.on_overflow = [](StreamServer::Connection& c) {
		c.out += control::encode_response(
		             control::error_response(Error("request line too long", EMSGSIZE))) +
		         "\n";
	};
	auto server = StreamServer::serve(std::move(fd), std::move(protocol));
	if (!server.ok())
		return std::move(server).error();
	impl->server.emplace(std::move(*server));
	return ControlServer(std::move(impl));
}

ControlServer::ControlServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {
}
ControlServer::ControlServer(ControlServer&&) noexcept = default;
ControlServer& ControlServer::operator=(ControlServer&&) noexcept = default;
ControlServer::~ControlServer() = default;

int ControlServer::fd() const {
	return impl_->server->fd();
}

void ControlServer::service() {
	impl_->server->service();
}

void ControlServer::broadcast_deny(const std::string& deny_json_line) {
	std::string line = control::encode_deny(deny_json_line) + "\n";
	size_t slow = impl_->server->broadcast(
	    line, [](const StreamServer::Connection& c) { return c.follower; }, kMaxQueuedBytes);
	if (slow)
		log::warn("control") << slow << " denies follower(s) did not keep up: disconnected";
}

size_t ControlServer::connections() const {
	return impl_->server->connections();
}

size_t ControlServer::followers() const {
	return impl_->server->count([](const StreamServer::Connection& c) { return c.follower; });
}

} // namespace egress::daemon
