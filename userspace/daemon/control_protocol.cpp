#include "daemon/control_protocol.h"

#include <cerrno>
#include <charconv>
#include <type_traits>

namespace egress::daemon::control {

namespace {

using nlohmann::json;

Result<json> parse_line(std::string_view line) {
	if (line.size() > kMaxRequestBytes)
		return Error("line of " + std::to_string(line.size()) + " bytes exceeds the limit of " +
		                 std::to_string(kMaxRequestBytes),
		             EMSGSIZE);
	json j = json::parse(line, nullptr, false);
	if (j.is_discarded())
		return Error("not valid JSON", EBADMSG);
	if (!j.is_object())
		return Error("not a JSON object", EBADMSG);
	if (!j.contains("v") || !j["v"].is_number_integer())
		return Error("missing protocol version \"v\"", EBADMSG);
	if (j["v"].get<int>() != kProtocolVersion)
		return Error("protocol version " + std::to_string(j["v"].get<int>()) +
		                 " is not supported (this side speaks " + std::to_string(kProtocolVersion) +
		                 ")",
		             EPROTONOSUPPORT);
	return j;
}

template <typename T>
Result<T> field(const json& j, const char* key, T fallback) {
	if (!j.contains(key))
		return fallback;
	try {
		return j.at(key).get<T>();
	} catch (const json::exception&) {
		return Error(std::string("field \"") + key + "\" has the wrong type", EINVAL);
	}
}

} // namespace

std::string_view command_name(Command c) {
	switch (c) {
	case Command::status:
		return "status";
	case Command::ips:
		return "ips";
	case Command::check:
		return "check";
	case Command::denies:
		return "denies";
	case Command::reload:
		return "reload";
	}
	return "";
}

std::optional<Command> parse_command(std::string_view name) {
	for (Command c : {Command::status, Command::ips, Command::check, Command::denies, Command::reload})
		if (command_name(c) == name)
			return c;
	return std::nullopt;
}

std::string encode_request(const Request& r) {
	json j = {{"v", kProtocolVersion}, {"cmd", command_name(r.cmd)}};
	if (r.cmd == Command::check) {
		j["dest"] = r.dest;
		j["proto"] = r.proto;
	}
	if (r.cmd == Command::denies) {
		if (!r.since.empty())
			j["since"] = r.since;
		j["limit"] = r.limit;
		j["follow"] = r.follow;
	}
	return j.dump();
}

Result<Request> decode_request(std::string_view line) {
	auto j = parse_line(line);
	if (!j.ok())
		return std::move(j).error().wrap("request");
	auto cmd_text = field<std::string>(*j, "cmd", "");
	if (!cmd_text.ok())
		return std::move(cmd_text).error();
	auto cmd = parse_command(*cmd_text);
	if (!cmd)
		return Error("unknown command \"" + *cmd_text + "\" (status, ips, check, denies, reload)",
		             EINVAL);
	Request r;
	r.cmd = *cmd;
	auto take = [&](auto& out, const char* key) -> Status {
		auto v = field<std::decay_t<decltype(out)>>(*j, key, out);
		if (!v.ok())
			return std::move(v).error();
		out = std::move(*v);
		return ok_status();
	};
	EGRESS_TRY(take(r.dest, "dest"));
	EGRESS_TRY(take(r.proto, "proto"));
	EGRESS_TRY(take(r.since, "since"));
	EGRESS_TRY(take(r.limit, "limit"));
	EGRESS_TRY(take(r.follow, "follow"));
	if (r.cmd == Command::check && r.dest.empty())
		return Error("check needs \"dest\"", EINVAL);
	return r;
}

std::string encode_response(const Response& r) {
	json j = {{"v", kProtocolVersion}, {"ok", r.ok}};
	if (r.ok)
		j["result"] = r.result;
	else
		j["error"] = {{"message", r.error}, {"code", r.code}};
	return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

Response error_response(const Error& error) {
	Response r;
	r.ok = false;
	r.error = error.to_string();
	r.code = error.code();
	return r;
}

namespace {
Result<Response> response_from(const json& j) {
	Response r;
	auto ok = field<bool>(j, "ok", false);
	if (!ok.ok())
		return std::move(ok).error();
	r.ok = *ok;
	if (r.ok) {
		r.result = j.contains("result") ? j["result"] : json::object();
		return r;
	}
	if (!j.contains("error") || !j["error"].is_object())
		return Error("error response without \"error\"", EBADMSG);
	auto message = field<std::string>(j["error"], "message", "");
	auto code = field<int>(j["error"], "code", 0);
	if (!message.ok())
		return std::move(message).error();
	if (!code.ok())
		return std::move(code).error();
	r.error = *message;
	r.code = *code;
	return r;
}
} // namespace

Result<Response> decode_response(std::string_view line) {
	auto j = parse_line(line);
	if (!j.ok())
		return std::move(j).error().wrap("response");
	return response_from(*j);
}

std::string encode_deny(std::string_view deny_json_line) {
	json d = json::parse(deny_json_line, nullptr, false);
	if (d.is_discarded())
		d = json{{"raw", std::string(deny_json_line)}};
	return json{{"v", kProtocolVersion}, {"deny", d}}.dump(-1, ' ', false,
	                                                       json::error_handler_t::replace);
}

Result<StreamItem> decode_stream_item(std::string_view line) {
	auto j = parse_line(line);
	if (!j.ok())
		return std::move(j).error().wrap("stream");
	StreamItem item;
	if (j->contains("deny")) {
		item.deny = (*j)["deny"];
		return item;
	}
	auto r = response_from(*j);
	if (!r.ok())
		return std::move(r).error();
	item.response = std::move(*r);
	return item;
}

std::optional<long long> parse_duration_seconds(std::string_view text) {
	if (text.size() < 2)
		return std::nullopt;
	long long n = 0;
	auto [end, ec] = std::from_chars(text.data(), text.data() + text.size() - 1, n);
	if (ec != std::errc() || end != text.data() + text.size() - 1 || n < 0)
		return std::nullopt;
	switch (text.back()) {
	case 's':
		return n;
	case 'm':
		return n * 60;
	case 'h':
		return n * 3600;
	case 'd':
		return n * 86400;
	default:
		return std::nullopt;
	}
}

} // namespace egress::daemon::control
