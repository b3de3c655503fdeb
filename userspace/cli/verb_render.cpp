// egressctl render: the compiled policy of a config, as a table, JSON, or an export for Azure
// Firewall (az CLI script or ARM template) or Cilium (CiliumClusterwideNetworkPolicy).
#include "cli/inputs.h"
#include "cli/output.h"
#include "cli/verb.h"
#include "policy/export_azure_firewall.h"
#include "policy/export_cilium.h"

namespace egress::cli {

namespace {

struct RenderArgs {
	std::string config;
	std::string service_tags;
	std::string format = "table";
	std::string fw_format = "az-cli";
	policy::AzureFirewallOptions fw;
	policy::CiliumOptions cilium;
	std::string out;
};

int run_render(RenderArgs& a, const Globals& globals) {
	auto in = compile_inputs(globals, a.config, a.service_tags);
	if (!in.ok())
		return fail(kExitBadInput, in.error());
	const auto& policy = in->policy;
	std::string text;
	if (a.format == "json") {
		text = policy::to_json(policy).dump(2) + "\n";
	} else if (a.format == "table") {
		text = policy::to_table(policy);
	} else {
		// Exports have no room for the compiler's warnings: they go to stderr.
		for (const auto& w : policy.warnings)
			warn(w.origin + ": " + w.message);
		if (a.format == "cilium") {
			text = policy::render_cilium(policy, a.cilium);
		} else {
			auto fw = policy::build_azure_firewall(policy, a.fw);
			for (const auto& u : fw.unexpressible)
				warn("not expressible in Azure Firewall: " + u);
			text = a.fw_format == "arm" ? policy::render_arm(policy, fw, a.fw).dump(2) + "\n"
			                            : policy::render_az_cli(policy, fw, a.fw);
		}
	}
	auto st = write_output(a.out, text);
	return st.ok() ? kExitOk : fail(kExitFailure, st.error());
}

} // namespace

VerbRun setup_render(CLI::App& command, const Globals& globals) {
	auto a = std::make_shared<RenderArgs>();
	command.add_option("--config,-c", a->config, "The config file (YAML or JSON)")->required();
	command.add_option("--service-tags", a->service_tags,
	                   "ServiceTags JSON file; overrides the config's serviceTags");
	command.add_option("-o,--output", a->format, "Output format")
	    ->check(CLI::IsMember({"table", "json", "azure-firewall", "cilium"}))
	    ->capture_default_str();
	command.add_option("--format", a->fw_format, "azure-firewall: az CLI commands or an ARM template")
	    ->check(CLI::IsMember({"az-cli", "arm"}))
	    ->capture_default_str();
	command.add_option("--fw-resource-group", a->fw.resource_group, "azure-firewall: resource group")
	    ->capture_default_str();
	command.add_option("--fw-policy", a->fw.policy_name, "azure-firewall: firewall policy name")
	    ->capture_default_str();
	command.add_option("--fw-group", a->fw.group_name, "azure-firewall: rule collection group name")
	    ->capture_default_str();
	command
	    .add_option("--fw-priority", a->fw.group_priority,
	                "azure-firewall: rule collection group priority")
	    ->check(CLI::Range(100, 65000))
	    ->capture_default_str();
	command.add_option("--cilium-name", a->cilium.name, "cilium: metadata.name of the policy")
	    ->capture_default_str();
	command.add_option("--out", a->out, "Write to this file instead of stdout");
	return [a, &globals]() { return run_render(*a, globals); };
}

} // namespace egress::cli
