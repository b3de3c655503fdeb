// The control socket's protocol (docs/daemon.md): line-delimited JSON over a unix stream socket.
// Each request is one JSON object on one line; the daemon answers each with one JSON object on one
// line, in order. A `denies` request with "follow": true then streams one line per new deny until
// the client closes the connection.
//
//   -> {"v":1,"cmd":"status"}
//   <- {"v":1,"ok":true,"result":{...}}
//   -> {"v":1,"cmd":"check","dest":"mcr.microsoft.com:443","proto":"tcp"}
//   <- {"v":1,"ok":false,"error":{"message":"...","code":22}}
//   -> {"v":1,"cmd":"denies","since":"5m","limit":100,"follow":true}
//   <- {"v":1,"ok":true,"result":{"lines":[{deny-log object}, ...]}}
//   <- {"v":1,"deny":{deny-log object}}      (follow: one per new deny)
//
// Requests of another major version `v` are refused with an error naming both versions; unknown
// fields are ignored (a newer client may send more).
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "common/result.h"

namespace egress::daemon::control {

inline constexpr int kProtocolVersion = 1;
// A request or response line longer than this is refused (a status with 100 maps is far below).
inline constexpr std::size_t kMaxRequestBytes = 64 * 1024;

enum class Command { status, ips, check, denies, reload };
std::string_view command_name(Command c); // "status" | "ips" | "check" | "denies" | "reload"
std::optional<Command> parse_command(std::string_view name);

struct Request {
	Command cmd = Command::status;
	// check
	std::string dest;          // "name", "name:443", "10.0.0.1:443", "[2001:db8::1]:443"
	std::string proto = "tcp"; // "tcp" | "udp" | "icmp" | "icmpv6" | "any"
	// denies
	std::string since;       // "" (all kept), a duration ("30s", "5m", "2h") or an RFC 3339 time
	std::size_t limit = 100; // most recent lines returned (0: all kept)
	bool follow = false;
};

struct Response {
	bool ok = true;
	nlohmann::json result = nlohmann::json::object(); // when ok
	std::string error;                                // when !ok
	int code = 0;                                     // errno of the error, 0 when none
};

// One line without the trailing newline.
std::string encode_request(const Request& request);
Result<Request> decode_request(std::string_view line);
std::string encode_response(const Response& response);
Result<Response> decode_response(std::string_view line);
Response error_response(const Error& error);

// A streamed deny line (follow): the deny-log JSON object as the deny log wrote it.
std::string encode_deny(std::string_view deny_json_line);
// Either a response or a streamed deny: which one a line is.
struct StreamItem {
	std::optional<Response> response;
	std::optional<nlohmann::json> deny;
};
Result<StreamItem> decode_stream_item(std::string_view line);

// "30s", "5m", "2h", "1d" -> seconds; nullopt when `text` is not a duration.
std::optional<long long> parse_duration_seconds(std::string_view text);

} // namespace egress::daemon::control
