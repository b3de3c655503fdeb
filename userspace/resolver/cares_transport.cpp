#include "resolver/cares_transport.h"

#include <ares.h>
#include <arpa/inet.h>
#include <poll.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>

#include "common/logger.h"

namespace egress::resolver {

namespace {

constexpr int kClassIn = 1;
constexpr int kTypeA = 1;
constexpr int kTypeAaaa = 28;
// More than a 512-byte UDP answer can hold; c-ares drops what does not fit.
constexpr int kMaxAnswers = 64;

int errno_for(int ares_status) {
	switch (ares_status) {
	case ARES_ETIMEOUT:
		return ETIMEDOUT;
	case ARES_ECONNREFUSED:
		return ECONNREFUSED;
	case ARES_ECANCELLED:
	case ARES_EDESTRUCTION:
		return ECANCELED;
	case ARES_ENOMEM:
		return ENOMEM;
	default:
		return EIO;
	}
}

Error ares_error(int status, const std::string& what) {
	return Error(what + ": " + ares_strerror(status), errno_for(status));
}

QueryResult parse_reply(Family family, const unsigned char* abuf, int alen) {
	std::vector<Answer> out;
	int n = kMaxAnswers;
	int rc;
	if (family == Family::v4) {
		ares_addrttl ttls[kMaxAnswers];
		rc = ares_parse_a_reply(abuf, alen, nullptr, ttls, &n);
		if (rc == ARES_SUCCESS)
			for (int i = 0; i < n; ++i) {
				Answer a;
				std::memcpy(a.address.bytes.data(), &ttls[i].ipaddr, 4);
				a.ttl_seconds = static_cast<uint32_t>(std::max(ttls[i].ttl, 0));
				out.push_back(a);
			}
	} else {
		ares_addr6ttl ttls[kMaxAnswers];
		rc = ares_parse_aaaa_reply(abuf, alen, nullptr, ttls, &n);
		if (rc == ARES_SUCCESS)
			for (int i = 0; i < n; ++i) {
				Answer a;
				a.address.family = Family::v6;
				std::memcpy(a.address.bytes.data(), &ttls[i].ip6addr, 16);
				a.ttl_seconds = static_cast<uint32_t>(std::max(ttls[i].ttl, 0));
				out.push_back(a);
			}
	}
	// ENODATA: a CNAME chain without records of this type.
	if (rc != ARES_SUCCESS && rc != ARES_ENODATA)
		return ares_error(rc, "parsing the reply");
	return out;
}

struct Pending {
	Family family;
	QueryResult* result;
	int* outstanding;
	const std::string* servers;
};

// Errors name the servers asked, not the query: callers know which name and type they asked.
void on_reply(void* arg, int status, int /*timeouts*/, unsigned char* abuf, int alen) {
	auto* p = static_cast<Pending*>(arg);
	std::string what = "asking " + *p->servers;
	if (status == ARES_SUCCESS)
		*p->result = parse_reply(p->family, abuf, alen).context(what);
	else if (status == ARES_ENOTFOUND || status == ARES_ENODATA)
		*p->result = std::vector<Answer>{}; // NXDOMAIN or NOERROR/no data: authoritative "none"
	else
		*p->result = ares_error(status, what); // SERVFAIL and REFUSED end as "could not contact"
	--*p->outstanding;
}

} // namespace

struct CaresTransport::Channel {
	ares_channel ch = nullptr;
	bool library = false;
	~Channel() {
		if (ch)
			ares_destroy(ch);
		if (library)
			ares_library_cleanup();
	}
};

Result<std::string> cares_server(std::string_view spec) {
	std::string in(spec);
	auto bad = [&](const std::string& why) { return Error("DNS server \"" + in + "\": " + why, EINVAL); };
	std::string_view host = spec;
	std::string_view port;
	if (!spec.empty() && spec.front() == '[') {
		auto close = spec.find(']');
		if (close == std::string_view::npos)
			return bad("missing ']'");
		host = spec.substr(1, close - 1);
		std::string_view rest = spec.substr(close + 1);
		if (!rest.empty()) {
			if (rest.front() != ':')
				return bad("expected ':port' after ']'");
			port = rest.substr(1);
		}
	} else if (std::count(spec.begin(), spec.end(), ':') == 1) {
		auto colon = spec.find(':');
		host = spec.substr(0, colon);
		port = spec.substr(colon + 1);
	}
	auto addr = parse_ip(host);
	if (!addr.ok())
		return bad(addr.error().message());
	unsigned p = 53;
	if (!port.empty() || (spec.size() && spec.back() == ':')) {
		auto [ptr, ec] = std::from_chars(port.data(), port.data() + port.size(), p);
		if (ec != std::errc() || ptr != port.data() + port.size() || p == 0 || p > 65535)
			return bad("port must be 1-65535");
	}
	std::string a = addr->to_string();
	if (addr->family == Family::v6)
		a = "[" + a + "]";
	return a + ":" + std::to_string(p);
}

Result<std::unique_ptr<CaresTransport>> CaresTransport::create(const CaresOptions& options) {
	if (options.servers.empty())
		return Error("c-ares transport: no DNS servers given", EINVAL);
	if (options.tries < 1 || options.tries > 8 || options.timeout.count() < 1)
		return Error("c-ares transport: tries must be 1-8 and the timeout positive", EINVAL);
	std::string csv;
	for (const auto& s : options.servers) {
		auto server = cares_server(s);
		if (!server.ok())
			return std::move(server).error();
		csv += (csv.empty() ? "" : ",") + *server;
	}

	auto channel = std::make_unique<Channel>();
	int rc = ares_library_init(ARES_LIB_INIT_ALL);
	if (rc != ARES_SUCCESS)
		return ares_error(rc, "initialising c-ares");
	channel->library = true;

	ares_options o{};
	// No search list and no hosts file: the query goes out for the exact name, to the servers given.
	o.flags = ARES_FLAG_NOSEARCH | ARES_FLAG_NOALIASES;
	o.timeout = static_cast<int>(options.timeout.count());
	o.tries = options.tries;
	o.ndomains = 0;
	o.domains = nullptr;
	char lookups[] = "b";
	o.lookups = lookups;
	int mask = ARES_OPT_FLAGS | ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES | ARES_OPT_DOMAINS | ARES_OPT_LOOKUPS;
	rc = ares_init_options(&channel->ch, &o, mask);
	if (rc != ARES_SUCCESS)
		return ares_error(rc, "creating the c-ares channel");
	rc = ares_set_servers_ports_csv(channel->ch, csv.c_str());
	if (rc != ARES_SUCCESS)
		return ares_error(rc, "setting DNS servers \"" + csv + "\"");

	// c-ares doubles the per-try timeout after each round over all servers.
	auto rounds = std::chrono::milliseconds(0);
	for (int t = 0; t < options.tries; ++t)
		rounds += options.timeout * (1 << t);
	auto budget = rounds * static_cast<int>(options.servers.size()) + std::chrono::seconds(1);
	return std::unique_ptr<CaresTransport>(new CaresTransport(std::move(channel), csv, budget));
}

CaresTransport::CaresTransport(std::unique_ptr<Channel> channel, std::string servers_csv,
                               std::chrono::milliseconds budget)
    : channel_(std::move(channel)), servers_csv_(std::move(servers_csv)), budget_(budget) {
}

CaresTransport::~CaresTransport() = default;

QueryResult CaresTransport::resolve(const std::string& name, Family family) {
	auto r = resolve_batch({Query{name, family}});
	return std::move(r.front());
}

std::vector<QueryResult> CaresTransport::resolve_batch(const std::vector<Query>& queries) {
	std::vector<QueryResult> results(queries.size(), QueryResult(Error("not asked", ECANCELED)));
	std::vector<Pending> pending(queries.size());
	int outstanding = static_cast<int>(queries.size());
	ares_channel ch = channel_->ch;
	for (std::size_t i = 0; i < queries.size(); ++i) {
		pending[i] = Pending{queries[i].family, &results[i], &outstanding, &servers_csv_};
		ares_query(ch, queries[i].name.c_str(), kClassIn,
		           queries[i].family == Family::v4 ? kTypeA : kTypeAaaa, on_reply, &pending[i]);
	}

	const auto deadline = std::chrono::steady_clock::now() + budget_;
	while (outstanding > 0) {
		auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
		    deadline - std::chrono::steady_clock::now());
		if (left.count() <= 0) {
			// A safety net: c-ares' own timeouts end every query well before this.
			log::warn("resolver")
			    << "c-ares batch over its " << budget_.count() << " ms budget; cancelling";
			ares_cancel(ch); // runs the callbacks with ARES_ECANCELLED
			break;
		}
		ares_socket_t socks[ARES_GETSOCK_MAXNUM];
		int bits = ares_getsock(ch, socks, ARES_GETSOCK_MAXNUM);
		pollfd fds[ARES_GETSOCK_MAXNUM];
		nfds_t nfds = 0;
		for (int i = 0; i < ARES_GETSOCK_MAXNUM; ++i) {
			short events = 0;
			if (ARES_GETSOCK_READABLE(bits, i))
				events |= POLLIN;
			if (ARES_GETSOCK_WRITABLE(bits, i))
				events |= POLLOUT;
			if (events)
				fds[nfds++] = pollfd{socks[i], events, 0};
		}
		timeval max_tv{static_cast<time_t>(left.count() / 1000),
		               static_cast<suseconds_t>(left.count() % 1000 * 1000)};
		timeval tv{};
		timeval* wait = ares_timeout(ch, &max_tv, &tv);
		int ms = static_cast<int>(wait->tv_sec * 1000 + (wait->tv_usec + 999) / 1000);
		int n = poll(fds, nfds, ms);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			ares_process_fd(ch, ARES_SOCKET_BAD, ARES_SOCKET_BAD); // timeouts
			continue;
		}
		for (nfds_t i = 0; i < nfds; ++i) {
			bool readable = fds[i].revents & (POLLIN | POLLERR | POLLHUP);
			bool writable = fds[i].revents & POLLOUT;
			ares_process_fd(ch, readable ? fds[i].fd : ARES_SOCKET_BAD,
			                writable ? fds[i].fd : ARES_SOCKET_BAD);
		}
	}
	return results;
}

} // namespace egress::resolver
