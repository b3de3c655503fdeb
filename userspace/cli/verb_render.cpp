// egressctl render: the compiled policy of a config, as a table, JSON, or an export for Azure
// Firewall (az CLI script or ARM template) or Cilium (CiliumClusterwideNetworkPolicy); `-o config`
// prints the effective config instead (overlays merged, defaults filled in).
#include "cli/inputs.h"
#include "cli/output.h"
#include "cli/verb.h"
#include "policy/export_azure_firewall.h"
#include "policy/export_cilium.h"

namespace egress::cli {

namespace {

struct RenderArgs {
	ConfigSource source;
	std::string format = "table";
	std::string fw_format = "az-cli";
	policy::AzureFirewallOptions fw;
	policy::CiliumOptions cilium;
	std::string out;
};

int run_render(RenderArgs& a, const Globals& globals) {
	auto in = compile_inputs(globals, a.source);
	if (!in.ok())
		return fail(kExitBadInput, in.error());
	const auto& policy = in->policy;
	std::string text;
	if (a.format == "json") {
		text = policy::to_json(policy).dump(2) + "\n";
	} else if (a.format == "config") {
		// The effective config: overlays merged, every default spelled out (docs/config.md).
		text = policy::to_json(in->config).dump(2) + "\n";
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
	add_config_options(command, a->source);
	command.add_option("-o,--output", a->format, "Output format")
	    ->check(CLI::IsMember({"table", "json", "config", "azure-firewall", "cilium"}))
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
	return [a, &globals]() {
		if (a->source.config.empty() && a->source.configmap.empty())
			return fail(kExitUsage,
			            "render: give --config FILE or --configmap FILE (see --help)");
		return run_render(*a, globals);
	};
}

} // namespace egress::cli
