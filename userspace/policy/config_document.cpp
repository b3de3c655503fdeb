#include "policy/config_document.h"

#include <optional>
#include <sstream>

#include <nlohmann/json.hpp>
#include <yaml-cpp/eventhandler.h>

namespace egress::policy::detail {
namespace {

// A config is a few levels deep; anything deeper is not a config, and bounding it keeps the
// recursive conversion below off the stack's limit.
constexpr int kMaxJsonDepth = 32;

Result<YAML::Node> from_json(const nlohmann::json& j, int depth) {
	if (depth > kMaxJsonDepth)
		return Error("nested more than " + std::to_string(kMaxJsonDepth) + " levels deep");
	switch (j.type()) {
	case nlohmann::json::value_t::null:
		return YAML::Node(YAML::NodeType::Null);
	case nlohmann::json::value_t::object: {
		YAML::Node map(YAML::NodeType::Map);
		for (const auto& [key, value] : j.items()) {
			auto child = from_json(value, depth + 1);
			if (!child.ok())
				return std::move(child).error();
			map[key] = *child;
		}
		return map;
	}
	case nlohmann::json::value_t::array: {
		YAML::Node seq(YAML::NodeType::Sequence);
		for (const auto& value : j) {
			auto child = from_json(value, depth + 1);
			if (!child.ok())
				return std::move(child).error();
			seq.push_back(*child);
		}
		return seq;
	}
	case nlohmann::json::value_t::string:
		return YAML::Node(j.get<std::string>());
	default: // numbers and booleans: their JSON text is also their YAML scalar text
		return YAML::Node(j.dump());
	}
}

// nullopt when the text is not JSON at all (so the caller may try YAML); an Error when it is JSON
// we refuse.
std::optional<Result<YAML::Node>> parse_json(std::string_view text, std::string& syntax_error) {
	nlohmann::json j;
	try {
		j = nlohmann::json::parse(text.begin(), text.end());
	} catch (const nlohmann::json::exception& e) {
		syntax_error = std::string("invalid JSON: ") + e.what();
		return std::nullopt;
	}
	return from_json(j, 0);
}

// Counts documents and drops every other event.
class DocumentCounter : public YAML::EventHandler {
public:
	void OnDocumentStart(const YAML::Mark&) override {}
	void OnDocumentEnd() override {}
	void OnNull(const YAML::Mark&, YAML::anchor_t) override {}
	void OnAlias(const YAML::Mark&, YAML::anchor_t) override {}
	void OnScalar(const YAML::Mark&, const std::string&, YAML::anchor_t, const std::string&) override {}
	void OnSequenceStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
	                     YAML::EmitterStyle::value) override {}
	void OnSequenceEnd() override {}
	void OnMapStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
	                YAML::EmitterStyle::value) override {}
	void OnMapEnd() override {}
};

Result<YAML::Node> parse_yaml(std::string_view text) {
	std::string owned(text);
	YAML::Node root;
	try {
		// Not YAML::LoadAll: in yaml-cpp 0.7 it loops forever (allocating) on stray tokens after a
		// document, e.g. `"",` (upstream jbeder/yaml-cpp#1040, fixed by PR #1319 after 0.8). Load()
		// reads one document; a bounded second step below looks for another.
		root = YAML::Load(owned);
		std::istringstream in(owned);
		YAML::Parser parser(in);
		DocumentCounter counter;
		if (parser.HandleNextDocument(counter) && parser.HandleNextDocument(counter))
			return Error("more than one YAML document, or stray text after it (a config is one "
			             "document: remove `---` separators and trailing characters)");
	} catch (const YAML::Exception& e) {
		// e.msg lacks the position that e.what() carries; build our own wording.
		std::string msg = "invalid YAML: " + e.msg;
		if (!e.mark.is_null())
			msg += " (line " + std::to_string(e.mark.line + 1) + ", column " +
			       std::to_string(e.mark.column + 1) + ")";
		return Error(msg);
	}
	return root;
}

} // namespace

Result<YAML::Node> parse_document(std::string_view text) {
	auto first = text.find_first_not_of(" \t\r\n");
	try {
		if (first == std::string_view::npos || text[first] != '{')
			return parse_yaml(text);
		// JSON, or a YAML flow map ("{cloud: AzureCloud, ...}"): JSON first, for its precise errors.
		std::string json_error;
		if (auto json = parse_json(text, json_error))
			return std::move(*json);
		auto yaml = parse_yaml(text);
		if (yaml.ok())
			return yaml;
		return Error(json_error + "; read as YAML: " + yaml.error().message());
	} catch (const std::exception& e) {
		// yaml-cpp and nlohmann may throw more than their documented exceptions (bad_alloc,
		// bad conversions); none may escape the parser.
		return Error(std::string("cannot parse: ") + e.what());
	}
}

std::string where(const YAML::Node& node) {
	if (!node.IsDefined())
		return "";
	auto mark = node.Mark();
	if (mark.is_null())
		return "";
	return " (line " + std::to_string(mark.line + 1) + ", column " + std::to_string(mark.column + 1) +
	       ")";
}

} // namespace egress::policy::detail
