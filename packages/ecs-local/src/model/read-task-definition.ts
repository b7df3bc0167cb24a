/**
 * ECS task definitions and their containers, with ECS's defaults filled in so downstream code
 * never guesses: essential `true`, health check 30 s / 5 s / 3 retries / 0 s start period,
 * stop timeout 30 s, port protocol `tcp`.
 */
import type { ResolveContext } from "./intrinsics.js";
import { type PropertyReader, propertyReader } from "./property-reader.js";
import { readContainerSecrets, readEnvironmentFiles } from "./read-secrets.js";
import { entriesOfType, type FileAsset, type ImageAsset, type ResourceEntry } from "./template.js";
import type {
  ContainerDefinition,
  ContainerHealthCheck,
  ImageSource,
  PortMapping,
  TaskDefinition,
} from "./types.js";

/** ECS container health check defaults, in seconds. */
const HEALTH_CHECK_DEFAULTS = { interval: 30, timeout: 5, retries: 3, startPeriod: 0 };
/** Seconds between SIGTERM and SIGKILL when `StopTimeout` is unset. */
const DEFAULT_STOP_TIMEOUT_SECONDS = 30;

export function readTaskDefinitions(
  entries: readonly ResourceEntry[],
  ctx: ResolveContext,
  imageAssets: Readonly<Record<string, ImageAsset>>,
  fileAssets: Readonly<Record<string, FileAsset>>,
): TaskDefinition[] {
  return entriesOfType(entries, "AWS::ECS::TaskDefinition").map(({ resource, origin }) => {
    const read = propertyReader(ctx, origin);
    const properties = resource.Properties ?? {};
    const cpu = read.optionalNumber(properties.Cpu, "Cpu");
    const memory = readMemory(read, properties.Memory);
    const containers = read
      .list(properties.ContainerDefinitions, "ContainerDefinitions")
      .map((raw, index) => readContainer(read, raw, index, imageAssets, fileAssets));
    const names = new Set<string>();
    for (const container of containers) {
      if (names.has(container.name)) {
        throw read.error(
          `has two containers named "${container.name}".`,
          "Give each container of a task definition its own name.",
        );
      }
      names.add(container.name);
    }
    return {
      origin,
      family: read.optionalString(properties.Family, "Family") ?? origin.logicalId,
      ...(cpu === undefined ? {} : { cpu }),
      ...(memory === undefined ? {} : { memoryMiB: memory }),
      containers,
    };
  });
}

/** `Memory` is MiB as a string, or for some launch types a size such as `"1 GB"`. */
function readMemory(read: PropertyReader, raw: unknown): number | undefined {
  const value = read.value(raw);
  if (typeof value === "string") {
    const gb = /^\s*(\d+(?:\.\d+)?)\s*GB\s*$/i.exec(value);
    if (gb?.[1] !== undefined) return Math.round(Number(gb[1]) * 1024);
  }
  return read.optionalNumber(raw, "Memory");
}

function readContainer(
  read: PropertyReader,
  raw: unknown,
  index: number,
  imageAssets: Readonly<Record<string, ImageAsset>>,
  fileAssets: Readonly<Record<string, FileAsset>>,
): ContainerDefinition {
  const at = `ContainerDefinitions[${index}]`;
  const container = read.object(raw, at);
  const name = read.string(container.Name, `${at}.Name`);
  const prefix = `container "${name}"`;
  const healthCheck = readHealthCheck(read, container.HealthCheck, `${prefix} HealthCheck`);
  const entryPoint = read.stringList(container.EntryPoint, `${prefix} EntryPoint`);
  const command = read.stringList(container.Command, `${prefix} Command`);
  const workingDirectory = read.optionalString(
    container.WorkingDirectory,
    `${prefix} WorkingDirectory`,
  );
  const memoryMiB = read.optionalNumber(container.Memory, `${prefix} Memory`);
  return {
    name,
    image: readImage(read.string(container.Image, `${prefix} Image`), imageAssets),
    essential: read.optionalBoolean(container.Essential, `${prefix} Essential`) ?? true,
    portMappings: read
      .list(container.PortMappings, `${prefix} PortMappings`)
      .flatMap((mapping, i) => readPortMapping(read, mapping, `${prefix} PortMappings[${i}]`)),
    environment: Object.fromEntries(
      read.list(container.Environment, `${prefix} Environment`).map((entry, i) => {
        const variable = read.object(entry, `${prefix} Environment[${i}]`);
        return [
          read.string(variable.Name, `${prefix} Environment[${i}].Name`),
          read.optionalString(variable.Value, `${prefix} Environment[${i}].Value`) ?? "",
        ];
      }),
    ),
    ...(entryPoint === undefined ? {} : { entryPoint }),
    ...(command === undefined ? {} : { command }),
    ...(workingDirectory === undefined ? {} : { workingDirectory }),
    ...(healthCheck === undefined ? {} : { healthCheck }),
    dependsOn: read.list(container.DependsOn, `${prefix} DependsOn`).map((entry, i) => {
      const dependency = read.object(entry, `${prefix} DependsOn[${i}]`);
      return {
        containerName: read.string(
          dependency.ContainerName,
          `${prefix} DependsOn[${i}].ContainerName`,
        ),
        condition:
          read.optionalString(dependency.Condition, `${prefix} DependsOn[${i}].Condition`) ??
          "START",
      };
    }),
    stopTimeoutSeconds:
      read.optionalNumber(container.StopTimeout, `${prefix} StopTimeout`) ??
      DEFAULT_STOP_TIMEOUT_SECONDS,
    ...(memoryMiB === undefined ? {} : { memoryMiB }),
    secrets: readContainerSecrets(read, container.Secrets, prefix),
    environmentFiles: readEnvironmentFiles(read, container.EnvironmentFiles, prefix, fileAssets),
  };
}

function readPortMapping(read: PropertyReader, raw: unknown, at: string): PortMapping[] {
  const mapping = read.object(raw, at);
  const containerPort = read.optionalNumber(mapping.ContainerPort, `${at}.ContainerPort`);
  // Port ranges (ContainerPortRange) cannot be named, so Service Connect and load balancers
  // never use them; ecs-local does not expose them either.
  if (containerPort === undefined) return [];
  const name = read.optionalString(mapping.Name, `${at}.Name`);
  const protocol = (read.optionalString(mapping.Protocol, `${at}.Protocol`) ?? "tcp").toLowerCase();
  if (protocol !== "tcp" && protocol !== "udp") {
    throw read.error(
      `${at}.Protocol is "${protocol}"; expected tcp or udp.`,
      "Use Protocol.TCP or Protocol.UDP.",
    );
  }
  const appProtocol = read.optionalString(mapping.AppProtocol, `${at}.AppProtocol`);
  if (
    appProtocol !== undefined &&
    appProtocol !== "http" &&
    appProtocol !== "http2" &&
    appProtocol !== "grpc"
  ) {
    throw read.error(
      `${at}.AppProtocol is "${appProtocol}"; expected http, http2 or grpc.`,
      "Use AppProtocol.http, AppProtocol.http2 or AppProtocol.grpc, or leave it unset for TCP.",
    );
  }
  return [
    {
      ...(name === undefined ? {} : { name }),
      containerPort,
      protocol,
      ...(appProtocol === undefined ? {} : { appProtocol }),
    },
  ];
}

function readHealthCheck(
  read: PropertyReader,
  raw: unknown,
  at: string,
): ContainerHealthCheck | undefined {
  if (raw === undefined) return undefined;
  const check = read.object(raw, at);
  const command = read.stringList(check.Command, `${at}.Command`);
  if (command === undefined || command.length === 0) {
    throw read.error(
      `${at} has no Command.`,
      'Give the health check a command, e.g. ["CMD-SHELL", "curl -f http://localhost/ || exit 1"].',
    );
  }
  const seconds = (value: unknown, property: string, fallback: number) =>
    (read.optionalNumber(value, `${at}.${property}`) ?? fallback) * 1000;
  return {
    command,
    intervalMs: seconds(check.Interval, "Interval", HEALTH_CHECK_DEFAULTS.interval),
    timeoutMs: seconds(check.Timeout, "Timeout", HEALTH_CHECK_DEFAULTS.timeout),
    retries: read.optionalNumber(check.Retries, `${at}.Retries`) ?? HEALTH_CHECK_DEFAULTS.retries,
    startPeriodMs: seconds(check.StartPeriod, "StartPeriod", HEALTH_CHECK_DEFAULTS.startPeriod),
  };
}

/** CDK's image asset URIs end in `:<asset hash>` in its container-assets repository. */
const CDK_ASSET_IMAGE = /container-assets-[^/:]*[^:]*:([0-9a-f]{64})$/;

/**
 * An image built from a CDK asset (its hash appears in the image URI and, normally, in the
 * asset manifest), else a registry image.
 */
export function readImage(
  image: string,
  imageAssets: Readonly<Record<string, ImageAsset>>,
): ImageSource {
  for (const [assetHash, asset] of Object.entries(imageAssets)) {
    if (!image.includes(assetHash)) continue;
    return {
      kind: "asset",
      assetHash,
      directory: asset.directory,
      dockerfile: asset.dockerFile ?? "Dockerfile",
      ...(asset.dockerBuildArgs === undefined ? {} : { buildArgs: asset.dockerBuildArgs }),
      ...(asset.dockerBuildTarget === undefined ? {} : { target: asset.dockerBuildTarget }),
    };
  }
  // An asset whose manifest entry is missing: still an asset, the CLI reports the missing folder.
  const unlisted = CDK_ASSET_IMAGE.exec(image)?.[1];
  if (unlisted !== undefined) return { kind: "asset", assetHash: unlisted };
  return { kind: "registry", name: image };
}
