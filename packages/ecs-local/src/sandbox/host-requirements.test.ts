import assert from "node:assert/strict";
import { test } from "node:test";
import { type HostFacts, planInstall } from "./host-check.js";
import {
  installCommands,
  installHint,
  OPTIONAL_REQUIREMENTS,
  optionalRequirements,
  PACKAGE_MANAGERS,
  packageManagerFor,
  RUN_REQUIREMENTS,
} from "./host-requirements.js";

test("the distribution's package manager comes from os-release ID and ID_LIKE", () => {
  const cases: [string, string | undefined][] = [
    ['ID=debian\nVERSION_ID="12"', "apt"],
    ["ID=ubuntu\nID_LIKE=debian", "apt"],
    ['ID="rocky"\nID_LIKE="rhel centos fedora"', "dnf"],
    ["ID=fedora", "dnf"],
    ["ID=alpine", "apk"],
    ["ID=arch", "pacman"],
    ["ID=endeavouros\nID_LIKE=arch", "pacman"],
    ["ID=nixos", undefined],
    ["", undefined],
  ];
  for (const [osRelease, manager] of cases) {
    assert.equal(packageManagerFor(osRelease), manager, osRelease);
  }
});

test("install commands never prompt: -y, --noconfirm, sudo -n, apt's noninteractive frontend", () => {
  assert.deepEqual(installCommands("apt", ["nftables", "curl", "nftables"], "root"), [
    ["apt-get", "update", "-qq"],
    [
      "env",
      "DEBIAN_FRONTEND=noninteractive",
      "apt-get",
      "install",
      "-y",
      "-qq",
      "nftables",
      "curl",
    ],
  ]);
  assert.deepEqual(installCommands("dnf", ["nftables"], "sudo"), [
    ["sudo", "-n", "dnf", "install", "-y", "nftables"],
  ]);
  assert.deepEqual(installCommands("apk", ["nftables"], "root"), [
    ["apk", "add", "--no-cache", "nftables"],
  ]);
  assert.deepEqual(installCommands("pacman", ["nftables"], "sudo"), [
    ["sudo", "-n", "pacman", "-S", "--noconfirm", "--needed", "nftables"],
  ]);
});

test("the hint is one pasteable line, with sudo unless root", () => {
  assert.equal(
    installHint("apt", ["nftables", "python3-flask"], true),
    "apt-get update && apt-get install -y nftables python3-flask",
  );
  assert.equal(
    installHint("apt", ["nftables"], false),
    "sudo apt-get update && sudo apt-get install -y nftables",
  );
  assert.equal(installHint("dnf", ["iproute"], false), "sudo dnf install -y iproute");
  assert.equal(installHint("apk", ["nftables"], true), "apk add nftables");
  assert.equal(installHint("pacman", ["nftables"], true), "pacman -S --needed nftables");
});

test("every requirement names a package for every package manager and says why", () => {
  for (const requirement of [...RUN_REQUIREMENTS, ...OPTIONAL_REQUIREMENTS]) {
    assert.ok(requirement.why.length > 10, requirement.name);
    assert.ok(requirement.probes.length > 0, requirement.name);
    for (const manager of PACKAGE_MANAGERS) {
      assert.match(requirement.packages[manager], /^[a-z0-9][a-z0-9.+-]*$/, requirement.name);
    }
  }
});

test("optional requirements are looked up by name; unknown names come back", () => {
  const { found, unknown } = optionalRequirements(["flask", "wrk", "nope"]);
  assert.deepEqual(
    found.map((r) => r.name),
    ["flask", "wrk"],
  );
  assert.deepEqual(unknown, ["nope"]);
});

test("the haproxy requirement takes 2.4 or newer: servers added at run time came then", () => {
  const probe = RUN_REQUIREMENTS.find((r) => r.name === "haproxy")?.probes[0];
  assert.ok(probe?.kind === "versioned-command");
  const cases: [string, boolean][] = [
    ["HAProxy version 2.6.12-1+deb12u1 2023/12/16 - https://haproxy.org/", true],
    ["HAProxy version 2.4.24-0ubuntu0.22.04.1 2023/10/31", true],
    ["HAProxy version 3.0.5-1 2024/09/19 - https://haproxy.org/", true],
    ["HA-Proxy version 2.2.9-2+deb11u5 2023/04/10 - https://haproxy.org/", false],
    ["HA-Proxy version 1.8.19-1+deb10u3 2020/08/01", false],
  ];
  for (const [output, accepted] of cases) {
    assert.equal(probe.versionPattern.test(output), accepted, output);
  }
});

test("the aws requirement takes the AWS CLI v2 only, not version 1 earlier on PATH", () => {
  const probe = OPTIONAL_REQUIREMENTS.find((r) => r.name === "aws")?.probes[0];
  assert.ok(probe?.kind === "versioned-command");
  const cases: [string, boolean][] = [
    ["aws-cli/2.9.19 Python/3.11.2 Linux/6.1.0 source/x86_64.debian.12 prompt/off", true],
    ["aws-cli/2.22.35 Python/3.12.6 Linux/6.8.0 exe/x86_64.ubuntu.24", true],
    ["aws-cli/1.32.0 Python/3.12.1 Linux/6.1.0 botocore/1.34.0", false],
    ["pyenv: aws: command not found", false],
  ];
  for (const [output, ok] of cases) assert.equal(probe.versionPattern.test(output), ok, output);
});

const nft = RUN_REQUIREMENTS.find((r) => r.name === "nft");
const flask = OPTIONAL_REQUIREMENTS.find((r) => r.name === "flask");
const debian = (privilege: HostFacts["privilege"]): HostFacts => ({
  distribution: "Debian GNU/Linux 12 (bookworm)",
  manager: "apt",
  privilege,
  isRoot: privilege === "root",
});

test("missing requirements are installed as root, saying what and why first", () => {
  assert.ok(nft && flask);
  const plan = planInstall([nft, flask], debian("root"), true);
  assert.equal(plan.type, "install");
  if (plan.type !== "install") return;
  assert.deepEqual(plan.packages, ["nftables", "python3-flask"]);
  assert.deepEqual(plan.commands.at(-1)?.slice(-2), ["nftables", "python3-flask"]);
  assert.match(plan.notice, /installing nftables python3-flask with apt/);
  assert.match(plan.notice, /- nft: redirects Service Connect aliases/);
});

test("through passwordless sudo the commands run with sudo -n", () => {
  assert.ok(nft);
  const plan = planInstall([nft], debian("sudo"), true);
  assert.equal(plan.type, "install");
  if (plan.type === "install") assert.deepEqual(plan.commands[0]?.slice(0, 2), ["sudo", "-n"]);
});

test("without root or passwordless sudo the answer is the exact command, never a prompt", () => {
  assert.ok(nft);
  const plan = planInstall([nft], debian("none"), true);
  assert.equal(plan.type, "refuse");
  if (plan.type !== "refuse") return;
  assert.match(plan.message, /- nft: redirects Service Connect aliases/);
  assert.match(plan.message, /sudo asks for a password/);
  assert.match(plan.message, /sudo apt-get update && sudo apt-get install -y nftables/);
});

test("when installing is not allowed, or no package manager is known, it says what to do", () => {
  assert.ok(nft);
  const notAllowed = planInstall([nft], debian("root"), false);
  assert.equal(notAllowed.type, "refuse");
  if (notAllowed.type === "refuse")
    assert.match(notAllowed.message, /apt-get update && apt-get install -y nftables/);
  const unknown = planInstall(
    [nft],
    { distribution: "NixOS", manager: undefined, privilege: "root", isRoot: true },
    true,
  );
  assert.equal(unknown.type, "refuse");
  if (unknown.type === "refuse") assert.match(unknown.message, /found none of them on NixOS/);
});
