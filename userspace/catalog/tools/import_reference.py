#!/usr/bin/env python3
"""One-off import of ../shared/reference/aks-egress-catalog.reference.json into our schema.

NOT a build step: the checked-in data/aks-egress-catalog.json is the product and is edited by
hand from now on. This script records how the first version was made (and the per-row wildcard
and condition decisions, which were reviewed row by row); rerunning it overwrites hand edits.

usage: import_reference.py REFERENCE.json OUT.json
"""
import json
import re
import sys

EDITION_OF_SEED = {
    "seed-003": "2019",
    "seed-001": "2020",
    "seed-000": "2020",
    "seed-002": "cn-2024",
    "current": "current",
}
EDITION_ORDER = ["2019", "2020", "cn-2024", "current"]

# Wildcard depth decisions, keyed by the documented pattern. one-label = our `*.`, any-depth =
# our `**.`, label-glob = a glob inside the first label (not expressible by the matcher).
ONE, ANY, GLOB = "one-label", "any-depth", "label-glob"
WILDCARDS = {
    "*.hcp.{location}.azmk8s.io": (ONE, "API server FQDN: one cluster label (<dns-prefix>-<hash>) under hcp.<location>"),
    "*.tun.{location}.azmk8s.io": (ONE, "tunnel endpoint of one cluster: one label under tun.<location>, like *.hcp"),
    "*.gk.{location}.azmk8s.io": (ONE, "per-cluster Gatekeeper endpoint: one cluster label under gk.<location>, like *.hcp"),
    "*.hcp.{location}.cx.prod.service.azk8s.cn": (ONE, "China API server FQDN: one cluster label under hcp.<location>"),
    "*.tun.{location}.cx.prod.service.azk8s.cn": (ONE, "China tunnel endpoint: one cluster label under tun.<location>"),
    "*.hcp.{location}.cx.aks.containerservice.azure.us": (ONE, "Government API server FQDN: one cluster label under hcp.<location>"),
    "*.tun.{location}.cx.aks.containerservice.azure.us": (ONE, "Government tunnel endpoint: one cluster label under tun.<location>"),
    "*.data.mcr.microsoft.com": (ANY, "MCR CDN data endpoints (<region>.data...) move and MAR documents only the wildcard: depth not promised"),
    "*.data.mcr.azure.cn": (ANY, "China MCR cache data endpoints: CDN names, depth not documented"),
    "*.data.mcr.azk8s.cn": (ANY, "China mirror data endpoints: CDN names, depth not documented"),
    "*.cdn.mscr.io": (ANY, "old MCR CDN (regional names such as mcrweu0.cdn.mscr.io): depth not documented"),
    "*.azk8s.cn": (ANY, "China mirror domain: real names sit deeper (mcr.azk8s.cn, *.data.mcr.azk8s.cn, *.cx.prod.service.azk8s.cn)"),
    "*.blob.core.windows.net": (ONE, "storage account endpoint: <account>.blob.core.windows.net, one label"),
    "*.file.core.windows.net": (ONE, "storage account endpoint: <account>.file.core.windows.net, one label"),
    "*.vault.azure.cn": (ONE, "Key Vault endpoint: <vault-name>.vault.azure.cn, one label"),
    "*.vault.usgovcloudapi.net": (ONE, "Key Vault endpoint: <vault-name>.vault.usgovcloudapi.net, one label"),
    "*.ods.opinsights.azure.com": (ONE, "Log Analytics workspace endpoint: <workspace-id>.ods..., one label"),
    "*.oms.opinsights.azure.com": (ONE, "Log Analytics workspace endpoint: <workspace-id>.oms..., one label"),
    "*.ods.opinsights.azure.cn": (ONE, "Log Analytics workspace endpoint: <workspace-id>.ods..., one label"),
    "*.oms.opinsights.azure.cn": (ONE, "Log Analytics workspace endpoint: <workspace-id>.oms..., one label"),
    "*.ods.opinsights.azure.us": (ONE, "Log Analytics workspace endpoint: <workspace-id>.ods..., one label"),
    "*.oms.opinsights.azure.us": (ONE, "Log Analytics workspace endpoint: <workspace-id>.oms..., one label"),
    "*.in.applicationinsights.azure.com": (ONE, "Application Insights regional ingestion: <region>-<n>.in.applicationinsights.azure.com, one label"),
    "*.monitoring.azure.com": (ONE, "custom-metrics endpoint: <region>.monitoring.azure.com, one label"),
    "*.ingest.monitor.azure.com": (ANY, "data collection endpoints sit two labels deep (<dce>.<region>-1.ingest.monitor.azure.com)"),
    "*.metrics.ingest.monitor.azure.com": (ANY, "metrics DCEs sit two labels deep (<dce>.<region>-1.metrics.ingest.monitor.azure.com)"),
    "*.ingest.monitor.azure.cn": (ANY, "data collection endpoints sit two labels deep (<dce>.<region>-1.ingest...)"),
    "*.metrics.ingest.monitor.azure.cn": (ANY, "metrics DCEs sit two labels deep (<dce>.<region>-1.metrics.ingest...)"),
    "*.ingest.monitor.azure.us": (ANY, "data collection endpoints sit two labels deep (<dce>.<region>-1.ingest...)"),
    "*.metrics.ingest.monitor.azure.us": (ANY, "metrics DCEs sit two labels deep (<dce>.<region>-1.metrics.ingest...)"),
    "*.cloud.defender.microsoft.com": (ANY, "Defender service endpoints: naming scheme not documented, keep the docs' any-depth meaning"),
    "*.ingestion.msftcloudes.com": (ANY, "Geneva ingestion endpoints: naming scheme not documented, keep any depth"),
    "*.microsoftmetrics.com": (ANY, "Geneva metrics names sit deeper (<region>.prod.microsoftmetrics.com style)"),
    "*.mp.microsoft.com": (ANY, "Windows Update / Delivery Optimization names sit deeper (e.g. *.delivery.mp.microsoft.com)"),
    "*.delivery.mp.microsoft.com": (ANY, "Windows Update download names sit deeper (tlu.dl.delivery.mp.microsoft.com)"),
    "*.do.dsp.mp.microsoft.com": (ANY, "Delivery Optimization names sit deeper (geo.prod.do.dsp.mp.microsoft.com style)"),
    "*.microsoftonline.com": (ANY, "Entra endpoints under microsoftonline.com: depth not documented, keep any depth"),
    "*.docker.io": (ANY, "Docker Hub names (registry-1, auth, index): any depth kept as the 2019 page meant"),
    "md-*.blob.storage.azure.net": (GLOB, "glob inside the first label; real names sit deeper (md-<id>.z<nn>.blob.storage.azure.net): matcher cannot express it"),
    "umsa*.blob.core.windows.net": (GLOB, "glob inside the storage-account label (umsa<id>): matcher cannot express it; widening to *.blob.core.windows.net is an operator choice"),
    "md-*.blob.storage.chinacloudapi.cn": (GLOB, "glob inside the first label; real names sit deeper (md-<id>.z<nn>...): matcher cannot express it"),
    "umsa*.blob.core.chinacloudapi.cn": (GLOB, "glob inside the storage-account label (umsa<id>): matcher cannot express it"),
}

# Machine-readable conditions, per row id: (needed_unless, needed_only_if, one-line note).
CONDITIONS = {
    "pub-net-udp1194-tunnel": (["konnectivity", "private-cluster"], [], "not needed for private clusters or with konnectivity-agent"),
    "pub-net-tcp9000-tunnel": (["konnectivity", "private-cluster"], [], "not needed for private clusters or with konnectivity-agent"),
    "pub-net-udp123-ntp": (["nodes-after-march-2021"], [], "not needed for nodes provisioned after March 2021"),
    "pub-net-udp53-customdns": ([], ["custom-dns"], "only when the VNet uses custom DNS servers"),
    "cn-net-udp53-customdns": ([], ["custom-dns"], "only when the VNet uses custom DNS servers"),
    "gov-net-udp53-customdns": ([], ["custom-dns"], "only when the VNet uses custom DNS servers"),
    "pub-net-tcp443-apiserver-ip": (["private-cluster"], ["api-server-by-ip"], "only when workloads reach the API server by IP; not for private clusters"),
    "cn-net-tcp443-apiserver-ip": ([], ["api-server-by-ip"], "only when workloads reach the API server by IP"),
    "gov-net-tcp443-apiserver-ip": ([], ["api-server-by-ip"], "only when workloads reach the API server by IP"),
    "pub-fqdn-hcp": (["private-cluster"], [], "not needed for private clusters; keep ALPN 'konnectivity' intact"),
    "legacy-net-udp53-apiserver-pods": ([], ["api-server-by-ip"], "2020 wording: only if pods access the API server directly"),
    "local-localdns": ([], ["localdns"], "only when AKS LocalDNS is enabled"),
    "local-apiserver-vnet-integration": ([], ["api-server-vnet-integration"], "only with API Server VNet Integration"),
}

# Rows of our own, beyond the reference (each says why in its notes).
EXTRA_ENTRIES = [
    {
        "id": "kv-pub-vaults", "cloud": "AzureCloud", "status": "current", "editions": ["current"],
        "category": "feature:keyvault-csi", "kind": "wildcard",
        "destination": {"pattern": "*.vault.azure.net", "documented": "vault.azure.net", "wildcard": "one-label",
                        "wildcard_reason": "Key Vault endpoint: <vault-name>.vault.azure.net, one label"},
        "protocols": ["tcp"], "ports": [443], "app_protocol": "HTTPS", "match_hint": "tls_sni",
        "purpose": "The vault hosts the Key Vault CSI provider really talks to.",
        "conditions": {"needed_unless": [], "needed_only_if": [], "note": ""},
        "notes": "Our reading of kv-pub: the page prints the bare suffix vault.azure.net, but requests go to "
                 "<vault>.vault.azure.net (requirements doc section 8, point 3). kv-pub stays as printed.",
        "placeholders": [], "sources": ["S-HEAD"], "added": None, "removed": None, "history": [], "uncertain": True,
    },
]

PROTOCOLS = {"TCP": ["tcp"], "UDP": ["udp"], "UDP+TCP": ["udp", "tcp"]}
KINDS = {"fqdn": "fqdn", "wildcard_fqdn": "wildcard", "network": "network"}
HISTORY_RE = re.compile(r"^(\d{4}-\d{2}-\d{2})(?: \(([0-9a-f]{7,40})([^)]*)\)(.*))?$")


def our_pattern(documented, depth):
    if depth == ANY:
        assert documented.startswith("*."), documented
        return "*" + documented
    return documented


def editions_of(ref_editions):
    eds = {EDITION_OF_SEED[e.split(" ")[0]] for e in ref_editions}
    return [e for e in EDITION_ORDER if e in eds]


def history_of(h):
    events = []
    for event, text in h.items():
        m = HISTORY_RE.match(text)
        assert m, (event, text)
        ev = {"event": event, "date": m.group(1), "commit": m.group(2) or ""}
        note = " ".join(s.strip(" ,") for s in (m.group(3) or "", m.group(4) or "") if s and s.strip(" ,"))
        if note.startswith("/ "):
            note = "also " + note[2:]  # two commits for one change
        if note:
            ev["note"] = note
        events.append(ev)
    events.sort(key=lambda e: e["date"])
    return events


def alternative_of(a):
    alt = {"type": a["type"], "value": a["value"]}
    if a["type"] in ("fqdn_network_rule", "fqdn_hosts"):
        names = [n.strip() for n in a["value"].split("/")]
        if a["value"] == "*.hcp/*.tun.{location}.cx.aks.containerservice.azure.us":
            names = ["*.hcp.{location}.cx.aks.containerservice.azure.us",
                     "*.tun.{location}.cx.aks.containerservice.azure.us"]
        alt["patterns"] = [our_pattern(n, WILDCARDS[n][0]) if n.startswith("*") else n for n in names]
    if a.get("note"):
        alt["note"] = a["note"]
    if a.get("known_after_cluster_creation"):
        alt["known_after_cluster_creation"] = True
    return alt


def entry_of(x):
    kind = KINDS[x["kind"]]
    e = {"id": x["id"], "cloud": x["cloud"], "status": x["status"], "editions": editions_of(x["editions"]),
         "category": x["category"], "kind": kind}
    if kind == "network":
        e["destination"] = {"alternatives": [alternative_of(a) for a in x["destination"]]}
    else:
        doc = x["destination"]
        if kind == "wildcard":
            depth, reason = WILDCARDS[doc]
            e["destination"] = {"pattern": our_pattern(doc, depth), "documented": doc, "wildcard": depth,
                                "wildcard_reason": reason}
        else:
            assert "*" not in doc, doc
            e["destination"] = {"pattern": doc, "documented": doc, "wildcard": "none"}
    e["protocols"] = PROTOCOLS[x["protocol"]]
    e["ports"] = x["ports"]
    e["app_protocol"] = x["app_protocol"]
    e["match_hint"] = x["match_hint"]
    e["purpose"] = x["purpose"]
    unless, only_if, note = CONDITIONS.get(x["id"], ([], [], ""))
    e["conditions"] = {"needed_unless": unless, "needed_only_if": only_if, "note": note}
    e["notes"] = x["notes"]
    e["placeholders"] = sorted(x["placeholders"])
    e["sources"] = x["source"]
    hist = history_of(x["history"])
    e["added"] = next((h["date"] for h in hist if h["event"] == "added"), None)
    e["removed"] = next((h["date"] for h in hist if h["event"] == "removed"), None)
    e["history"] = hist
    e["uncertain"] = x["uncertain"]
    return e


def source_text(sid, s):
    if s.get("url"):
        return s["url"]
    if s.get("kind") == "seed":
        return "reference/seeds/" + sid.split(":", 1)[1] + ": " + s["title"]
    parts = [s.get("repo", "")]
    if s.get("path"):
        parts.append(s["path"])
    if s.get("paths"):
        parts.append("; ".join(s["paths"]))
    text = " ".join(p for p in parts if p)
    if s.get("commit"):
        text += " @ " + s["commit"]
    return text or s.get("title", sid)


def main():
    ref = json.load(open(sys.argv[1]))
    out = {
        "schema": "aks-egress-catalog/1",
        "title": "AKS node egress requirements (all clouds, 2019/2020/China-2024/current editions)",
        "imported_from": "reference/aks-egress-catalog.reference.json (schema " + ref["schema_version"] + ", "
                         + ref["generated_utc"] + ")",
        "editions": {
            "2019": {"as_of": "2020-01-21", "title": "late-2019 text (seed-003, English 2019-11-25 .. 2020-01-21)",
                     "sources": ["seed:003_029e1b972eb9d2d2.txt"]},
            "2020": {"as_of": "2020-05-31", "title": "2020 edition (seeds 000/001, English 2020-03-10 .. 2020-05-31)",
                     "sources": ["seed:000_78906dc1c5c9f4f5.txt", "seed:001_25b6f476c84b882d.txt"]},
            "cn-2024": {"as_of": "2024-12-06",
                        "title": "docs.azure.cn localisation of the ~Sep-Nov 2024 English text (seed-002)",
                        "sources": ["seed:002_a473d145273a05d4.txt"]},
            "current": {"as_of": "2026-06-18", "title": "outbound-rules-control-egress.md @ 1bdcfff99 (ms.date 2026-06-18)",
                        "sources": ["S-HEAD"]},
        },
        "conditions": {
            "konnectivity": "the cluster runs konnectivity-agent (tunnel over TCP 443 to the API server FQDN)",
            "private-cluster": "the API server has no public endpoint",
            "nodes-after-march-2021": "every node was provisioned after March 2021",
            "custom-dns": "the VNet uses custom DNS servers",
            "api-server-by-ip": "workloads reach the API server by IP (the kubernetes service, DNATed to the public IP)",
            "api-server-vnet-integration": "API Server VNet Integration (API server in a delegated subnet)",
            "localdns": "AKS LocalDNS is enabled on the nodes",
        },
        "features": {
            "gpu": "GPU node pools (NVIDIA drivers and container toolkit)",
            "windows": "Windows Server node pools",
            "workload-identity": "Microsoft Entra Workload ID",
            "defender": "Microsoft Defender for Containers",
            "keyvault-csi": "Azure Key Vault provider for Secrets Store CSI Driver (also Istio plug-in CA, app-routing Key Vault TLS)",
            "azure-monitor": "Azure Monitor: managed Prometheus, Container insights, Application Insights",
            "azure-policy": "Azure Policy add-on",
            "cost-analysis": "AKS cost analysis add-on",
            "cluster-extensions": "AKS cluster extensions (incl. Marketplace)",
            "dev-spaces": "Azure Dev Spaces (retired)",
        },
        "placeholders": ref["placeholders"],
        "sources": {sid: source_text(sid, s) for sid, s in ref["sources"].items()},
        "entries": [entry_of(x) for x in ref["entries"]] + EXTRA_ENTRIES,
    }
    used = {c for e in out["entries"] if e["category"].startswith("feature:") for c in [e["category"][8:]]}
    assert used == set(out["features"]), used ^ set(out["features"])
    for e in out["entries"]:
        for s in e["sources"]:
            if not s.startswith("http"):
                assert s in out["sources"], s
    with open(sys.argv[2], "w") as f:
        json.dump(out, f, indent=2, ensure_ascii=False)
        f.write("\n")


if __name__ == "__main__":
    main()
