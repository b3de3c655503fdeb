#include <gtest/gtest.h>

#include "daemon/control_protocol.h"

namespace {

using namespace egress::daemon::control;

TEST(ControlProtocol, RequestsRoundTrip) {
	Request r;
	r.cmd = Command::check;
	r.dest = "mcr.microsoft.com:443";
	r.proto = "udp";
	auto back = decode_request(encode_request(r));
	ASSERT_TRUE(back.ok()) << back.error().to_string();
	EXPECT_EQ(back->cmd, Command::check);
	EXPECT_EQ(back->dest, "mcr.microsoft.com:443");
	EXPECT_EQ(back->proto, "udp");

	Request d;
	d.cmd = Command::denies;
	d.since = "5m";
	d.limit = 7;
	d.follow = true;
	auto dback = decode_request(encode_request(d));
	ASSERT_TRUE(dback.ok());
	EXPECT_EQ(dback->since, "5m");
	EXPECT_EQ(dback->limit, 7u);
	EXPECT_TRUE(dback->follow);
	EXPECT_EQ(encode_request(d).find('\n'), std::string::npos) << "one line";
}

TEST(ControlProtocol, EveryCommandHasAName) {
	for (Command c : {Command::status, Command::ips, Command::check, Command::denies, Command::reload})
		EXPECT_EQ(parse_command(command_name(c)), c);
	EXPECT_FALSE(parse_command("uninstall"));
}

TEST(ControlProtocol, BadRequestsAreErrorsThatSayWhy) {
	auto expect_error = [](std::string_view line, std::string_view needle) {
		auto r = decode_request(line);
		ASSERT_FALSE(r.ok()) << line;
		EXPECT_NE(r.error().to_string().find(needle), std::string::npos) << r.error().to_string();
	};
	expect_error("not json", "not valid JSON");
	expect_error("[1,2]", "not a JSON object");
	expect_error(R"({"cmd":"status"})", "version");
	expect_error(R"({"v":2,"cmd":"status"})", "protocol version 2");
	expect_error(R"({"v":1,"cmd":"frobnicate"})", "unknown command");
	expect_error(R"({"v":1,"cmd":"check"})", "dest");
	expect_error(R"({"v":1,"cmd":"denies","limit":"ten"})", "limit");
	expect_error(std::string(kMaxRequestBytes + 1, ' '), "exceeds");
}

TEST(ControlProtocol, UnknownFieldsAreIgnored) {
	auto r = decode_request(R"({"v":1,"cmd":"status","future":true})");
	ASSERT_TRUE(r.ok());
	EXPECT_EQ(r->cmd, Command::status);
}

TEST(ControlProtocol, ResponsesRoundTrip) {
	Response ok;
	ok.result = {{"generation", 3}};
	auto back = decode_response(encode_response(ok));
	ASSERT_TRUE(back.ok());
	EXPECT_TRUE(back->ok);
	EXPECT_EQ(back->result["generation"], 3);

	auto err = error_response(egress::Error("bad thing", 22).wrap("while reloading"));
	auto eback = decode_response(encode_response(err));
	ASSERT_TRUE(eback.ok());
	EXPECT_FALSE(eback->ok);
	EXPECT_EQ(eback->code, 22);
	EXPECT_EQ(eback->error, "while reloading: bad thing");
}

TEST(ControlProtocol, StreamedDeniesAreToldApartFromResponses) {
	auto deny =
	    decode_stream_item(encode_deny(R"({"time":"2026-11-21T09:30:30.123Z","dst":"203.0.113.10"})"));
	ASSERT_TRUE(deny.ok());
	ASSERT_TRUE(deny->deny);
	EXPECT_EQ((*deny->deny)["dst"], "203.0.113.10");
	auto resp = decode_stream_item(encode_response(Response{}));
	ASSERT_TRUE(resp.ok());
	EXPECT_TRUE(resp->response);
	EXPECT_FALSE(resp->deny);
}

TEST(ControlProtocol, Durations) {
	EXPECT_EQ(parse_duration_seconds("30s"), 30);
	EXPECT_EQ(parse_duration_seconds("5m"), 300);
	EXPECT_EQ(parse_duration_seconds("2h"), 7200);
	EXPECT_EQ(parse_duration_seconds("1d"), 86400);
	EXPECT_FALSE(parse_duration_seconds("5"));
	EXPECT_FALSE(parse_duration_seconds("m"));
	EXPECT_FALSE(parse_duration_seconds("-5m"));
	EXPECT_FALSE(parse_duration_seconds("2026-11-21T09:30:30Z"));
}

} // namespace
