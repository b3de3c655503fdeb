#include "catalog/catalog.h"

#include <algorithm>
#include <fstream>
#include <sstream>

namespace egress::catalog {

std::string_view to_string(Change c) {
	switch (c) {
	case Change::added:
		return "added";
	case Change::removed:
		return "removed";
	case Change::changed:
		return "changed";
	}
	return "?";
}

Result<Catalog> Catalog::load_embedded() {
	return parse(embedded_json(), "embedded catalog");
}

Result<Catalog> Catalog::load_file(const std::string& path) {
	std::ifstream in(path, std::ios::binary);
	if (!in)
		return Error::from_errno(errno, "opening catalog " + path);
	std::ostringstream text;
	text << in.rdbuf();
	if (in.bad())
		return Error::from_errno(errno, "reading catalog " + path);
	return parse(text.str(), "catalog " + path);
}

const Entry* Catalog::find(std::string_view id) const {
	for (const auto& e : entries_)
		if (e.id == id)
			return &e;
	return nullptr;
}

const EditionInfo* Catalog::edition_info(Edition e) const {
	for (const auto& info : editions_)
		if (info.edition == e)
			return &info;
	return nullptr;
}

std::vector<Entry> Catalog::select(const Filter& filter) const {
	std::vector<std::string> features;
	for (const auto& f : filter.features)
		features.push_back(canonical_feature(f));
	auto category_wanted = [&](const Entry& e) {
		if (filter.categories.empty() && features.empty())
			return true;
		if (std::find(filter.categories.begin(), filter.categories.end(), e.category) !=
		    filter.categories.end())
			return true;
		return e.is_feature() &&
		       std::find(features.begin(), features.end(), e.feature_name()) != features.end();
	};
	std::vector<Entry> out;
	for (const auto& e : entries_) {
		if (filter.cloud && !e.applies_to(*filter.cloud))
			continue;
		if (filter.edition && !e.in_edition(*filter.edition))
			continue;
		if (filter.status && e.status != *filter.status)
			continue;
		if (!filter.include_uncertain && e.uncertain)
			continue;
		if (!category_wanted(e))
			continue;
		out.push_back(e);
	}
	return out;
}

Diff Catalog::diff(Edition from, Edition to, Cloud cloud) const {
	Diff d;
	d.from = from;
	d.to = to;
	d.cloud = cloud;
	const EditionInfo* a = edition_info(from);
	const EditionInfo* b = edition_info(to);
	// History events dated in (earlier as_of, later as_of] are the changes between the editions.
	std::string lo = a ? a->as_of : "";
	std::string hi = b ? b->as_of : "";
	if (lo > hi)
		std::swap(lo, hi);
	std::vector<DiffItem> added, removed, changed;
	for (const auto& e : entries_) {
		if (!e.applies_to(cloud))
			continue;
		bool in_a = e.in_edition(from);
		bool in_b = e.in_edition(to);
		if (in_b && !in_a) {
			added.push_back({Change::added, e, {}});
		} else if (in_a && !in_b) {
			removed.push_back({Change::removed, e, {}});
		} else if (in_a && in_b && from != to) {
			std::vector<std::string> details;
			for (const auto& h : e.history) {
				if (h.date <= lo || h.date > hi)
					continue;
				std::string line = h.date + " " + h.event;
				if (!h.commit.empty())
					line += " (" + h.commit + (h.note.empty() ? "" : ", " + h.note) + ")";
				else if (!h.note.empty())
					line += " (" + h.note + ")";
				details.push_back(std::move(line));
			}
			if (!details.empty())
				changed.push_back({Change::changed, e, std::move(details)});
		}
	}
	auto by_id = [](const DiffItem& x, const DiffItem& y) { return x.entry.id < y.entry.id; };
	for (auto* group : {&added, &removed, &changed}) {
		std::sort(group->begin(), group->end(), by_id);
		for (auto& item : *group)
			d.items.push_back(std::move(item));
	}
	return d;
}

} // namespace egress::catalog
