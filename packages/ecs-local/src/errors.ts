/**
 * The catalogue of ecs-local's errors. Every error has a stable `code` a script can match,
 * a message that says what failed, where, and what to do, and the underlying `cause`.
 * Expected outcomes (an unhealthy task, an ejected endpoint) are values, not errors.
 */
export class EcsLocalError extends Error {
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** The CDK app could not be synthesized or its cloud assembly could not be read. */
export class AssemblyError extends EcsLocalError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("ECS_LOCAL_ASSEMBLY", message, options);
  }
}

/**
 * A template resource is malformed or inconsistent. `constructPath` is the CDK construct
 * path (`aws:cdk:path`) when the template carries one, else the logical ID.
 */
export class TemplateError extends EcsLocalError {
  readonly constructPath: string;
  readonly logicalId: string;
  constructor(logicalId: string, constructPath: string | undefined, problem: string, fix: string) {
    super("ECS_LOCAL_TEMPLATE", `${constructPath ?? logicalId}: ${problem} ${fix}`.trim());
    this.logicalId = logicalId;
    this.constructPath = constructPath ?? logicalId;
  }
}

/** A Dockerfile could not be turned into a runnable process. */
export class DockerfileError extends EcsLocalError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("ECS_LOCAL_DOCKERFILE", message, options);
  }
}

/** A host-side build step (npm ci, pip install, …) failed. */
export class BuildStepError extends EcsLocalError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("ECS_LOCAL_BUILD", message, options);
  }
}

/** Linux namespaces are not available here (not Linux, or `unshare` refused). */
export class SandboxUnavailableError extends EcsLocalError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("ECS_LOCAL_NO_NAMESPACES", message, options);
  }
}

/** A host tool or package ecs-local needs is missing and could not be installed. */
export class HostRequirementError extends EcsLocalError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("ECS_LOCAL_HOST_REQUIREMENT", message, options);
  }
}

/** A task's sandbox could not be created, entered or torn down. */
export class SandboxError extends EcsLocalError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("ECS_LOCAL_SANDBOX", message, options);
  }
}

/**
 * A cgroup could not be made, limited or removed: the message names the group, the file and
 * what to do (run as root for v1, delegate a v2 subtree, or measure from /proc instead).
 */
export class CgroupError extends EcsLocalError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("ECS_LOCAL_CGROUP", message, options);
  }
}

/** The user asked for something the CLI cannot do as asked (bad flag, unknown service). */
export class UsageError extends EcsLocalError {
  constructor(message: string) {
    super("ECS_LOCAL_USAGE", message);
  }
}

/** No running `ecs-local up` could be found for a verb that needs one. */
export class NoRunError extends EcsLocalError {
  constructor(message: string) {
    super("ECS_LOCAL_NO_RUN", message);
  }
}

/**
 * A Dockerfile RUN step failed while preparing an image: which step, its exit code and the
 * tail of its output, so the message alone is enough to start fixing it.
 */
export class BuildStepFailedError extends BuildStepError {
  readonly step: string;
  readonly exitCode: number | null;
  readonly outputTail: readonly string[];
  constructor(
    step: string,
    exitCode: number | null,
    outputTail: readonly string[],
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.step = step;
    this.exitCode = exitCode;
    this.outputTail = outputTail;
  }
}

/** A load balancer listener could not take its host port. */
export class ListenerPortError extends EcsLocalError {
  readonly hostPort: number;
  constructor(listenerPort: number, hostPort: number, cause: unknown) {
    const code = (cause as { code?: string }).code;
    const why = code === "EADDRINUSE" ? "is already in use" : `cannot be opened (${code ?? cause})`;
    super(
      "ECS_LOCAL_LISTENER_PORT",
      `The load balancer listener :${listenerPort} maps to 127.0.0.1:${hostPort}, which ${why}. ` +
        `Stop whatever holds it, or map the listener elsewhere: --listener-port ${listenerPort}=<free port>.`,
      { cause },
    );
    this.hostPort = hostPort;
  }
}

/**
 * Secret values or environment files a container needs cannot be had: the secrets file lacks
 * entries or is malformed, or an environment file cannot be read. Messages name sections,
 * keys, containers and construct paths, never a value.
 */
export class SecretsError extends EcsLocalError {
  /** The template written beside the secrets file when values were missing. */
  readonly templateFile: string | undefined;
  constructor(message: string, options?: { templateFile?: string; cause?: unknown }) {
    super("ECS_LOCAL_SECRETS", message, options);
    this.templateFile = options?.templateFile;
  }
}

/**
 * A request to the AWS-compatible APIs cannot be served as asked: AWS's own error, by the
 * code a client matches (`ClusterNotFoundException`, `InvalidInput`, …). The API answers it
 * in the protocol's error shape; it never stops the run.
 */
export class AwsApiError extends EcsLocalError {
  /** The AWS error code: `__type` in JSON, `Code` in the Query protocol's XML. */
  readonly awsCode: string;
  /** The HTTP status of the answer. @default 400 */
  readonly status: number;
  constructor(awsCode: string, message: string, options?: { status?: number; cause?: unknown }) {
    super("ECS_LOCAL_AWS_API", message, options);
    this.awsCode = awsCode;
    this.status = options?.status ?? 400;
  }
}
