// Renderers for `egressctl catalog`: JSON in the data file's own field order (so output of the whole
// catalog round-trips to data/aks-egress-catalog.json's entries) and an aligned plain-text table.
#include <algorithm>

#include <nlohmann/json.hpp>

#include "catalog/catalog.h"

namespace egress::catalog {
namespace {

using Json = nlohmann::ordered_json;

template <typename E>
Json names(const std::vector<E>& values) {
	Json arr = Json::array();
	for (const auto& v : values)
		arr.push_back(std::string(to_string(v)));
	return arr;
}

Json date_or_null(const std::string& date) {
	return date.empty() ? Json(nullptr) : Json(date);
}

Json destination_json(const Entry& e) {
	Json d = Json::object();
	if (e.kind != Kind::network) {
		d["pattern"] = e.pattern;
		d["documented"] = e.documented;
		d["wildcard"] = std::string(to_string(e.wildcard));
		if (!e.wildcard_reason.empty())
			d["wildcard_reason"] = e.wildcard_reason;
		return d;
	}
	Json alts = Json::array();
	for (const auto& a : e.alternatives) {
		Json j = Json::object();
		j["type"] = std::string(to_string(a.type));
		j["value"] = a.value;
		if (!a.patterns.empty())
			j["patterns"] = a.patterns;
		if (!a.note.empty())
			j["note"] = a.note;
		if (a.known_after_cluster_creation)
			j["known_after_cluster_creation"] = true;
		alts.push_back(std::move(j));
	}
	d["alternatives"] = std::move(alts);
	return d;
}

Json entry_json(const Entry& e) {
	Json j = Json::object();
	j["id"] = e.id;
	j["cloud"] = std::string(to_string(e.cloud));
	j["status"] = std::string(to_string(e.status));
	j["editions"] = names(e.editions);
	j["category"] = e.category;
	j["kind"] = std::string(to_string(e.kind));
	j["destination"] = destination_json(e);
	j["protocols"] = names(e.protocols);
	j["ports"] = e.ports;
	j["app_protocol"] = e.app_protocol;
	j["match_hint"] = e.match_hint;
	j["purpose"] = e.purpose;
	Json cond = Json::object();
	cond["needed_unless"] = names(e.needed_unless);
	cond["needed_only_if"] = names(e.needed_only_if);
	cond["note"] = e.condition_note;
	j["conditions"] = std::move(cond);
	j["notes"] = e.notes;
	j["placeholders"] = e.placeholders;
	j["sources"] = e.sources;
	j["added"] = date_or_null(e.added);
	j["removed"] = date_or_null(e.removed);
	Json hist = Json::array();
	for (const auto& h : e.history) {
		Json ev = Json::object();
		ev["event"] = h.event;
		ev["date"] = h.date;
		ev["commit"] = h.commit;
		if (!h.note.empty())
			ev["note"] = h.note;
		hist.push_back(std::move(ev));
	}
	j["history"] = std::move(hist);
	j["uncertain"] = e.uncertain;
	return j;
}

std::string dump(const Json& j) {
	return j.dump(2) + "\n";
}

// Pads every column but the last to its widest cell; two spaces between columns.
std::vector<std::string> aligned_lines(const std::vector<std::vector<std::string>>& rows) {
	std::vector<std::size_t> width;
	for (const auto& r : rows)
		for (std::size_t i = 0; i < r.size(); ++i) {
			if (width.size() <= i)
				width.push_back(0);
			width[i] = std::max(width[i], r[i].size());
		}
	std::vector<std::string> out;
	for (const auto& r : rows) {
		std::string line;
		for (std::size_t i = 0; i < r.size(); ++i) {
			line += r[i];
			if (i + 1 < r.size())
				line += std::string(width[i] - r[i].size() + 2, ' ');
		}
		while (!line.empty() && line.back() == ' ')
			line.pop_back();
		out.push_back(std::move(line));
	}
	return out;
}

std::string aligned(const std::vector<std::vector<std::string>>& rows) {
	std::string out;
	for (const auto& line : aligned_lines(rows))
		out += line + "\n";
	return out;
}

std::vector<std::string> table_row(const Entry& e) {
	return {e.id,
	        std::string(to_string(e.cloud)),
	        std::string(to_string(e.status)),
	        e.category,
	        std::string(to_string(e.kind)),
	        ports_text(e),
	        destination_text(e)};
}

} // namespace

std::string ports_text(const Entry& e) {
	// Appends, not "x" + std::string: GCC 12 flags the latter with a bogus -Wrestrict at -O3.
	std::string out;
	for (std::size_t i = 0; i < e.protocols.size(); ++i) {
		if (i)
			out += '+';
		out += to_string(e.protocols[i]);
	}
	out += '/';
	for (std::size_t i = 0; i < e.ports.size(); ++i) {
		if (i)
			out += ',';
		out += std::to_string(e.ports[i]);
	}
	return out;
}

std::string destination_text(const Entry& e) {
	if (e.kind != Kind::network)
		return e.pattern;
	std::string out;
	for (const auto& a : e.alternatives) {
		if (!out.empty())
			out += " | ";
		out += a.value;
	}
	return out;
}

std::string entry_to_json(const Entry& entry) {
	return dump(entry_json(entry));
}

std::string to_json(const std::vector<Entry>& entries) {
	Json arr = Json::array();
	for (const auto& e : entries)
		arr.push_back(entry_json(e));
	return dump(arr);
}

std::string to_table(const std::vector<Entry>& entries) {
	std::vector<std::vector<std::string>> rows{
	    {"ID", "CLOUD", "STATUS", "CATEGORY", "KIND", "PORTS", "DESTINATION"}};
	for (const auto& e : entries)
		rows.push_back(table_row(e));
	return aligned(rows);
}

std::string to_json(const Diff& diff) {
	Json j = Json::object();
	j["from"] = std::string(to_string(diff.from));
	j["to"] = std::string(to_string(diff.to));
	j["cloud"] = std::string(to_string(diff.cloud));
	Json items = Json::array();
	for (const auto& item : diff.items) {
		Json i = Json::object();
		i["change"] = std::string(to_string(item.change));
		i["id"] = item.entry.id;
		i["details"] = item.details;
		i["entry"] = entry_json(item.entry);
		items.push_back(std::move(i));
	}
	j["items"] = std::move(items);
	return dump(j);
}

std::string to_table(const Diff& diff) {
	std::vector<std::vector<std::string>> rows{
	    {"CHANGE", "ID", "CLOUD", "CATEGORY", "PORTS", "DESTINATION"}};
	for (const auto& item : diff.items) {
		const Entry& e = item.entry;
		rows.push_back({std::string(to_string(item.change)), e.id, std::string(to_string(e.cloud)),
		                e.category, ports_text(e), destination_text(e)});
	}
	// The dated events of a changed row go on their own indented lines, outside the columns.
	auto lines = aligned_lines(rows);
	std::string out = lines[0] + "\n";
	for (std::size_t i = 0; i < diff.items.size(); ++i) {
		out += lines[i + 1] + "\n";
		for (const auto& d : diff.items[i].details)
			out += "    " + d + "\n";
	}
	return out;
}

} // namespace egress::catalog
