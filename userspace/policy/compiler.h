// The policy compiler: config + catalog + (optional) service tags -> CompiledPolicy. A pure
// function: no I/O, no clock, same inputs give byte-identical output.
//
// Selection of catalog rows (exclusion_reason() says why a row is left out):
//  - the config's cloud and the cloud-independent rows (`all`);
//  - the config's edition (Entry::in_edition);
//  - categories `required`, `conditional` and `platform-local` always; `recommended` only with
//    `recommended: true`; `feature:<name>` only when the feature is enabled; `observed-*`,
//    `workload:*` and `reported-unconfirmed` never (an operator adds them with `allow`);
//  - the row's conditions against the cluster facts the config states: konnectivity (`konnectivity`),
//    custom DNS (`dnsServers` set), API server by IP (`apiServer.ips` set), LocalDNS (a DNS server in
//    169.254.10.0/24). Facts the config cannot state (private cluster, node age) count as false,
//    which keeps the rows (the safe side). Only the rows the catalog marks are dropped: the China
//    and Government tables print no konnectivity exemption, so their tunnel rows stay (a warning
//    says so).
//
// Destinations:
//  - name rows: {location}/{region} filled from the config; `*.` / `**.` as the catalog decided;
//    a glob inside a label is not expressible (warning);
//  - network rows, first usable alternative wins: literal IP, literal CIDR, the operator's DNS servers
//    ({CustomDNSIP}), names (fqdn_network_rule / fqdn_hosts: NTP, legacy tunnel hosts); "any
//    address" tunnel rows get the AzureCloud.<region> prefixes of the ServiceTags input (the tag of
//    the ARM location through the cloud table, catalog/cloud.h) AND the API server's IPs and name
//    when the config knows them (without a ServiceTags input: a warning); a row with nothing usable
//    gets a warning saying what would satisfy it; a row whose only destination is another service
//    tag (AzureMonitor) is the docs' alternative to name rows that are compiled anyway, so it adds
//    nothing to the datapath (an operator can `allow` the tag), only a grant for exporters;
//  - `allow` rules of the config (origin `config:<id>`, id = the rule's name or allow[N]);
//  - the safety floor: loopback, clusterCIDRs, DNS servers (tcp+udp 53), 169.254.169.254,
//    168.63.129.16, API server IPs (any port) and API server name (tcp/443; an exact name, so the
//    daemon resolves it actively) (origins `floor:<what>`).
// Errors (not warnings): a ServiceTags input of another cloud or without the region's tag, an
// `allow` service tag the ServiceTags input lacks or with no ServiceTags input at all, and in
// `mode: enforce` a selected `required`/`conditional` row that compiles to nothing (the error names
// each row and what would satisfy it: audit mode only warns, enforce mode would drop its traffic).
// Besides the merged rules, CompiledPolicy::grants keeps each input's own grant (row, destination,
// ports, node-only or not, a service tag by name) for the exporters.
#pragma once

#include <map>
#include <optional>
#include <string>

#include "catalog/catalog.h"
#include "common/result.h"
#include "policy/compiled_policy.h"
#include "policy/config.h"
#include "policy/service_tags.h"

namespace egress::policy {

Result<CompiledPolicy> compile(const Config& config, const catalog::Catalog& catalog,
                               const ServiceTags* tags);

// Why the compiler leaves `entry` out for `config` ("feature gpu is not enabled"); nullopt when the
// row is selected. Used by `egressctl check` to explain a deny.
std::optional<std::string> exclusion_reason(const catalog::Entry& entry, const Config& config);

// The variables the compiler fills into catalog templates ({location}, {region}, ...).
std::map<std::string, std::string> template_vars(const Config& config);

catalog::Edition catalog_edition(Edition edition);

} // namespace egress::policy
